// The public packages of the workspace, and what each packed tarball must (and must not) hold.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface PublicPackage {
  readonly name: string;
  readonly dir: string;
  /** Every import specifier the exports map offers ("@sqlscope/core", "@sqlscope/core/driver", ...). */
  readonly entryPoints: string[];
  /** The dist/ files the exports map points at. */
  readonly distFiles: string[];
}

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: Record<string, string | Record<string, string>>;
}

export function publicPackages(root: string): PublicPackage[] {
  const dirs = readdirSync(join(root, "packages")).map((d) => join(root, "packages", d));
  const out: PublicPackage[] = [];
  for (const dir of dirs) {
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
    if (manifest.private === true) continue;
    const entries = Object.entries(manifest.exports ?? {}).filter(([subpath]) => subpath !== "./package.json");
    out.push({
      name: manifest.name,
      dir,
      entryPoints: entries.map(([subpath]) =>
        subpath === "." ? manifest.name : `${manifest.name}/${subpath.slice(2)}`,
      ),
      distFiles: entries
        .flatMap(([, target]) => (typeof target === "string" ? [target] : [target.types, target.default]))
        .filter((f): f is string => f !== undefined),
    });
  }
  return out;
}

/** The tarball holds the built entry points, README, LICENSE; no tests, no test doubles, no workspace: ranges. */
export function checkTarball(pkg: PublicPackage, tarballs: string): void {
  const file = tarballFor(pkg, tarballs);
  const listing = execFileSync("tar", ["-tzf", file], { encoding: "utf8" }).split("\n").filter(Boolean);
  const has = new Set(listing.map((p) => p.replace(/^package\//, "")));
  const missing = ["package.json", "README.md", "LICENSE", ...pkg.distFiles.map((f) => f.replace(/^\.\//, ""))].filter(
    (f) => !has.has(f),
  );
  if (missing.length > 0) throw new Error(`${pkg.name}: the tarball lacks ${missing.join(", ")}`);
  const forbidden = [...has].filter((p) => /(^|\/)test\/|\.test\.|fake-driver|\.tsbuildinfo$/.test(p));
  if (forbidden.length > 0) throw new Error(`${pkg.name}: the tarball ships test files: ${forbidden.join(", ")}`);
  const manifest = execFileSync("tar", ["-xzOf", file, "package/package.json"], { encoding: "utf8" });
  if (manifest.includes("workspace:"))
    throw new Error(`${pkg.name}: the packed package.json still has a workspace: range`);
  console.log(`  ok  ${pkg.name}: ${listing.length} files, entry points ${pkg.entryPoints.join(", ")}`);
}

function tarballFor(pkg: PublicPackage, tarballs: string): string {
  const base = pkg.name.replace(/^@/, "").replace("/", "-");
  const found = readdirSync(tarballs).find((f) => f.startsWith(`${base}-`) && /^\d/.test(f.slice(base.length + 1)));
  if (found === undefined) throw new Error(`${pkg.name}: no tarball in ${tarballs}`);
  return join(tarballs, found);
}
