import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ParentMessage, ProcessStats, WorkerConfig, WorkerMessage } from "./worker.ts";

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));
// The child runs our TypeScript sources as the tests do: through tsx, with the source export condition.
const NODE_ARGS = ["--conditions=@sqlscope/source", "--import", "tsx"];

/** An app running in other processes: one plain process, or a node:cluster primary and its workers. */
export interface ProcessApp {
  /** http://127.0.0.1:PORT (cluster workers share it). */
  readonly url: string;
  /** The pids that serve requests (the workers, for a cluster). */
  readonly pids: readonly number[];
  /** The process this test started (the cluster primary). */
  readonly child: ChildProcess;
  /** Pool figures of every process still alive. */
  stats(): Promise<ProcessStats>;
  /** Resolves with what db.close() reported once the process handled SIGTERM (see worker.ts). */
  closed(): Promise<Extract<WorkerMessage, { type: "closed" }>>;
  /** Resolves when the started process exited. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills whatever is left (SIGKILL) and waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts the scenario app in a new process (or a cluster of `workers` processes) on `url`, and waits
 * until it listens. The child's stderr is kept (its last 4 KB) for the error when it fails to start.
 *
 * @example
 * const app = await startProcessApp({ backend: "postgres", url, app: "express", workers: 4, pool: { max: 5 }, shutdownMs: 5_000 });
 * await send(`${app.url}/write?tag=a`);
 * await app.stop();
 */
export function startProcessApp(config: WorkerConfig): Promise<ProcessApp> {
  const child = spawn(process.execPath, [...NODE_ARGS, WORKER], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { ...process.env, SQLSCOPE_WORKER: JSON.stringify(config) },
    stdio: ["ignore", "inherit", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  // Listened for from the start: the report may come before anyone asks for it.
  const closed = new Promise<Extract<WorkerMessage, { type: "closed" }>>((done, fail) => {
    child.on("message", (m: WorkerMessage) => {
      if (m.type === "closed") done(m);
    });
    void exited.then(() => fail(new Error(`the app process exited without reporting db.close():\n${stderr}`)));
  });
  closed.catch(() => undefined);
  let nextId = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the app process did not get ready within 60 s:\n${stderr}`));
    }, 60_000);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the app process exited (${code ?? signal}) before it was ready:\n${stderr}`));
    });
    child.on("message", (message: WorkerMessage) => {
      if (message.type !== "ready") return;
      clearTimeout(timer);
      resolve({
        url: message.url,
        pids: message.pids,
        child,
        stats: () =>
          new Promise((done, fail) => {
            const id = ++nextId;
            const on = (m: WorkerMessage) => {
              if (m.type !== "stats" || m.id !== id) return;
              child.off("message", on);
              done(m.stats);
            };
            child.on("message", on);
            try {
              child.send({ type: "stats", id } satisfies ParentMessage);
            } catch (error) {
              child.off("message", on);
              fail(new Error("the app process is gone", { cause: error }));
            }
          }),
        closed: () => closed,
        exited: () => exited,
        async stop() {
          // Workers first: a cluster primary killed outright cannot take them down with it.
          for (const pid of message.pids) if (pid !== child.pid) killQuietly(pid);
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
          await exited;
        },
      });
    });
  });
}

/** SIGKILL to `pid`; a process that is already gone is fine. */
export function killQuietly(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: it exited already.
  }
}
