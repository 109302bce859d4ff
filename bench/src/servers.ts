import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { buildBundles } from "./build.ts";
import { bundleDir, nodeBinary, pinned, SERVER_CORE } from "./cores.ts";
import type { ProfileKind, ServerConfig, ServerMessage, ServerRequest } from "./server/config.ts";

const BENCH_DIR = fileURLToPath(new URL("..", import.meta.url));
let bundles: ReturnType<typeof buildBundles> | undefined;

export interface ServerStats {
  /** Process CPU time (user + system) since start, microseconds. */
  readonly cpuMicros: number;
  readonly rss: number;
  readonly heapUsed: number;
}

/** A running benchmark server: its port and a way to ask it for CPU and memory figures. */
export interface RunningBenchServer {
  readonly port: number;
  readonly config: ServerConfig;
  stats(gc?: boolean): Promise<ServerStats>;
  /** Starts the V8 CPU profiler in the server (or, with "heap", its sampling heap profiler). */
  profileStart(kind?: ProfileKind): Promise<void>;
  /** Stops it and writes the .cpuprofile (or .heapprofile) JSON to `file`. */
  profileStop(file: string, kind?: ProfileKind): Promise<void>;
  stop(): Promise<void>;
}

/** Starts one server process pinned to the server core and waits until it listens (or fails). */
export async function startServer(config: ServerConfig): Promise<RunningBenchServer> {
  const main = await serverBundle();
  const { command, args } = pinned(SERVER_CORE, nodeBinary, ["--expose-gc", main, JSON.stringify(config)]);
  const child = spawn(command, args, { cwd: BENCH_DIR, stdio: ["ignore", "inherit", "pipe", "ipc"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  return await new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`server ${describe(config)} exited (${String(code)}) before listening:\n${stderr}`));
    child.once("exit", onExit);
    child.once("error", reject);
    child.on("message", function onMessage(message: ServerMessage) {
      if (message.type === "fatal") {
        child.off("message", onMessage);
        reject(new Error(`server ${describe(config)} failed: ${message.message}`));
      } else if (message.type === "ready") {
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve(handle(child, config, message.port, () => stderr));
      }
    });
  });
}

function ask<T extends ServerMessage["type"]>(
  child: ChildProcess,
  config: ServerConfig,
  request: ServerRequest,
  answer: T,
  stderr: () => string,
): Promise<Extract<ServerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    // A server that already died (a native crash under load) answers nothing and emits no second exit.
    if (child.exitCode !== null || child.signalCode !== null) {
      reject(
        new Error(
          `server ${describe(config)} has exited (${String(child.signalCode ?? child.exitCode)}):\n${stderr()}`,
        ),
      );
      return;
    }
    const onExit = () => reject(new Error(`server ${describe(config)} exited:\n${stderr()}`));
    child.once("exit", onExit);
    child.on("message", function onMessage(message: ServerMessage) {
      if (message.type !== answer) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(message as Extract<ServerMessage, { type: T }>);
    });
    child.send(request);
  });
}

function handle(child: ChildProcess, config: ServerConfig, port: number, stderr: () => string): RunningBenchServer {
  return {
    port,
    config,
    stats: (gc = false) => ask(child, config, { type: "stats", gc }, "stats", stderr),
    async profileStart(kind = "cpu") {
      const answer = await ask(child, config, { type: "profile-start", kind }, "profiled", stderr);
      if (answer.error !== undefined) throw new Error(`profiling ${describe(config)} failed: ${answer.error}`);
    },
    async profileStop(file, kind = "cpu") {
      const answer = await ask(child, config, { type: "profile-stop", file, kind }, "profiled", stderr);
      if (answer.error !== undefined) throw new Error(`profiling ${describe(config)} failed: ${answer.error}`);
    },
    stop() {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
        child.once("exit", () => {
          clearTimeout(kill);
          resolve();
        });
        child.send({ type: "stop" });
      });
    },
  };
}

/** The bundled server file (built on first use). */
export async function serverBundle(): Promise<string> {
  bundles ??= buildBundles(bundleDir);
  return (await bundles).server;
}

/** The bundled micro-benchmark file. */
export async function microBundle(): Promise<string> {
  bundles ??= buildBundles(bundleDir);
  return (await bundles).micro;
}

export function describe(config: ServerConfig): string {
  return `${config.framework}/${config.db.kind}/${config.variant}`;
}
