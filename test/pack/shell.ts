// Child processes of the pack test: npm, pnpm and plain node, on the Node the test runs on.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/** npm and node-gyp on the Node this runs on, with that Node's headers: nothing is downloaded. */
export function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}` };
  // In-repo runs pass the source condition down; installed packages must resolve as users see them.
  delete env.NODE_OPTIONS;
  const prefix = dirname(dirname(process.execPath));
  if (existsSync(join(prefix, "include", "node", "node_version.h"))) env.npm_config_nodedir = prefix;
  return env;
}

export function node(cwd: string, args: string[], options: { expectFailure?: boolean } = {}): string {
  try {
    const out = execFileSync(process.execPath, args, {
      cwd,
      env: npmEnv(),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
    });
    if (options.expectFailure === true) throw new Error(`expected node ${args.join(" ")} to fail, it printed:\n${out}`);
    process.stdout.write(out);
    return out;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; status?: number };
    if (options.expectFailure === true && e.status !== undefined && e.status !== 0)
      return `${e.stdout ?? ""}${e.stderr ?? ""}`;
    throw error;
  }
}

export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; quiet?: boolean },
): string {
  try {
    return execFileSync(command, args, {
      cwd: options.cwd,
      env: options.env ?? npmEnv(),
      encoding: "utf8",
      stdio: options.quiet === true ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
      timeout: 15 * 60_000,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(" ")} failed in ${options.cwd}:\n${e.stdout ?? ""}${e.stderr ?? ""}`, {
      cause: error,
    });
  }
}
