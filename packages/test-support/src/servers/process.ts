import { execFile, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A throwaway database server started for a test run. */
export interface RunningServer {
  /** A connection URL for a user that may create databases. */
  readonly url: string;
  /** Where the server keeps its data and log (deleted by stop()). */
  readonly dir: string;
  /** Stops the server and deletes its directory. Safe to call twice. */
  stop(): Promise<void>;
  /** Restarts the server on the same port and data (PostgreSQL: a fast shutdown, 57P01 to every client). */
  restart?(): Promise<void>;
}

/** The command failed to start or exited non-zero; `output` carries what it printed. */
export class ServerCommandError extends Error {
  readonly output: string;
  constructor(command: string, output: string, cause: unknown) {
    super(`${command} failed: ${output.trim().split("\n").slice(-8).join("\n") || String(cause)}`, { cause });
    this.output = output;
  }
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/**
 * Runs a command, as `user` when this process is root (PostgreSQL refuses to run as root).
 *
 * @example
 * await run("initdb", ["-D", dir], { user: "postgres" });
 */
export function run(
  command: string,
  args: readonly string[],
  options: { user?: string; timeoutMs?: number } = {},
): Promise<string> {
  const [file, argv] =
    options.user !== undefined && isRoot
      ? ["runuser", ["-u", options.user, "--", command, ...args]]
      : [command, [...args]];
  return new Promise((resolve, reject) => {
    execFile(file, argv, { timeout: options.timeoutMs ?? 30_000, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error) reject(new ServerCommandError(`${command} ${args.join(" ")}`, `${stdout}${stderr}`, error));
      else resolve(`${stdout}${stderr}`);
    });
  });
}

/** Like run(), but synchronous: for process 'exit' handlers, where nothing async runs any more. */
export function runSync(command: string, args: readonly string[], user?: string): void {
  const [file, argv] =
    user !== undefined && isRoot ? ["runuser", ["-u", user, "--", command, ...args]] : [command, [...args]];
  spawnSync(file, argv, { stdio: "ignore", timeout: 10_000 });
}

/** A temp directory, owned by `user` when this process is root. */
export function makeServerDir(prefix: string, user?: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (user !== undefined && isRoot) {
    const ids = spawnSync("id", ["-u", user], { encoding: "utf8" });
    const gids = spawnSync("id", ["-g", user], { encoding: "utf8" });
    const uid = Number(ids.stdout.trim());
    const gid = Number(gids.stdout.trim());
    if (ids.status !== 0 || !Number.isInteger(uid)) {
      throw new Error(`The system user "${user}" does not exist; install the server package that creates it.`);
    }
    chownSync(dir, uid, gid);
  }
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A TCP port nobody listens on right now (the server may still lose a race for it; callers retry). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The first of `candidates` that exists, else `fallback` (looked up on PATH). */
export function findBinary(name: string, dirs: readonly string[]): string {
  for (const dir of dirs) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return name;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A server log's text, or "" when there is none. */
export function readLog(path: string): Promise<string> {
  return readFile(path, "utf8").catch(() => "");
}
