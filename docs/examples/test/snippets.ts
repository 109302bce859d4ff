// The region scheme docs/examples/README.md describes: which texts a ```ts block in docs/ may be.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const EXAMPLES = fileURLToPath(new URL("..", import.meta.url));
export const DOCS = join(EXAMPLES, "..");

export interface Snippet {
  readonly source: string; // e.g. "errors.ts" or "errors.ts#handler"
  readonly text: string;
}

const START = /^\s*\/\/ docs:start (\S+)\s*$/;
const END = /^\s*\/\/ docs:end\s*$/;
const isMarker = (line: string) => START.test(line) || END.test(line);

/** Every .ts file under `dir` (recursively), skipping node_modules and the docs tests themselves. */
export function sampleFiles(dir = EXAMPLES): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === "node_modules" || path === join(EXAMPLES, "test") ? [] : sampleFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The whole file (marker lines dropped) and each region, de-indented, each ending in one newline. */
export function snippetsOf(file: string): Snippet[] {
  const name = relative(EXAMPLES, file);
  const lines = readFileSync(file, "utf8").split("\n");
  const out: Snippet[] = [{ source: name, text: lines.filter((l) => !isMarker(l)).join("\n") }];
  const open: Array<{ region: string; from: number }> = [];
  lines.forEach((line, i) => {
    const start = START.exec(line);
    if (start?.[1] !== undefined) open.push({ region: start[1], from: i + 1 });
    else if (END.test(line)) {
      const region = open.pop();
      if (region === undefined)
        throw new Error(`${name}:${i + 1}: "// docs:end" without a "// docs:start <name>" before it`);
      out.push({
        source: `${name}#${region.region}`,
        text: dedent(lines.slice(region.from, i).filter((l) => !isMarker(l))) + "\n",
      });
    }
  });
  if (open.length > 0) throw new Error(`${name}: region "${open[0]?.region}" has no "// docs:end"`);
  return out;
}

function dedent(lines: string[]): string {
  const indents = lines.filter((l) => l.trim() !== "").map((l) => /^ */.exec(l)?.[0].length ?? 0);
  const cut = Math.min(...indents);
  return lines.map((l) => l.slice(cut)).join("\n");
}

/** Every page under docs/ (recursively), skipping node_modules. */
export function pages(dir = DOCS): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : pages(path);
    return entry.name.endsWith(".md") ? [path] : [];
  });
}

/** The TypeScript fences of a page, with the line each starts on. */
export function tsBlocks(markdown: string): Array<{ line: number; text: string }> {
  const blocks: Array<{ line: number; text: string }> = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)```\s*(ts|typescript|tsx)\s*$/.exec(lines[i] ?? "");
    if (fence === null) continue;
    // A fence inside a list item is indented; its lines carry that indent, which is not part of the code.
    const indent = fence[1]?.length ?? 0;
    const from = i + 1;
    let end = from;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end] ?? "")) end++;
    blocks.push({
      line: i + 1,
      text:
        lines
          .slice(from, end)
          .map((l) => l.slice(indent))
          .join("\n") + "\n",
    });
    i = end;
  }
  return blocks;
}
