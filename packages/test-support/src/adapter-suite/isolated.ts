import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const RUNNER = fileURLToPath(new URL("./fresh-process.ts", import.meta.url));

/**
 * Runs fresh-process.ts in a new Node process (the repository's tsx and source condition, nothing of
 * the test's modules) and parses the JSON line it prints.
 */
export function inFreshProcess<T>(...args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--conditions=@sqlscope/source", "--import", "tsx", RUNNER, ...args],
      { cwd: ROOT, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(new Error(`fresh process failed: ${error.message}\n${stderr}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as T);
        } catch (parseError) {
          reject(new Error(`fresh process printed no JSON (${String(parseError)}): ${stdout}\n${stderr}`));
        }
      },
    );
  });
}

/** A real second copy of a package on disk: its own files, so its modules are other module instances. */
export interface PackageCopy {
  /** The copy's entry point (src/index.ts), to import(). */
  readonly entry: string;
  remove(): void;
}

/**
 * Copies a workspace package (package.json and src/) to a temporary directory beside a node_modules
 * that links to the original's dependencies, so importing the copy loads its own modules while
 * sharing the frameworks and @sqlscope/core. Packages named in `alsoCopy` (dependencies that are
 * workspace packages too) are copied the same way, so the copy brings its own copies of them.
 *
 * @example
 * const copy = copyPackage(new URL("../", import.meta.url), ["@sqlscope/node-http"]);
 * const second = await import(copy.entry);
 */
export function copyPackage(dir: URL, alsoCopy: readonly string[] = []): PackageCopy {
  const base = mkdtempSync(join(tmpdir(), "sqlscope-copy-"));
  const entry = copyInto(fileURLToPath(dir), join(base, "package"), base, alsoCopy);
  return { entry, remove: () => rmSync(base, { recursive: true, force: true }) };
}

function copyInto(source: string, target: string, base: string, alsoCopy: readonly string[]): string {
  mkdirSync(target, { recursive: true });
  cpSync(join(source, "package.json"), join(target, "package.json"));
  cpSync(join(source, "src"), join(target, "src"), { recursive: true });
  const modules = join(source, "node_modules");
  const linked = join(target, "node_modules");
  mkdirSync(linked);
  for (const name of entries(modules)) {
    const to = join(linked, name);
    if (name.includes("/")) mkdirSync(join(linked, name.split("/")[0] as string), { recursive: true });
    if (alsoCopy.includes(name)) {
      // Copied outside any node_modules directory, so the test runner transforms its TypeScript.
      const copied = join(base, name.replace("/", "+"));
      copyInto(join(modules, name), copied, base, []);
      symlinkSync(copied, to, "dir");
    } else {
      symlinkSync(join(modules, name), to, "dir");
    }
  }
  return pathToFileURL(join(target, "src", "index.ts")).href;
}

/** Package names in a node_modules directory (scoped ones as "@scope/name"), skipping .bin and the like. */
function entries(modules: string): string[] {
  const names: string[] = [];
  for (const name of readdirSync(modules)) {
    if (name.startsWith(".")) continue;
    if (name.startsWith("@")) for (const inner of readdirSync(join(modules, name))) names.push(`${name}/${inner}`);
    else names.push(name);
  }
  return names;
}
