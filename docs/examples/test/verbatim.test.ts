// Every ```ts block in docs/ is the text of a sample file or of a region in one (docs/examples/README.md),
// so what a reader copies is what tsc checked and the other tests in this folder ran.
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { describe, expect, it } from "vitest";
import { DOCS, pages, sampleFiles, snippetsOf, tsBlocks } from "./snippets.ts";

const snippets = sampleFiles().flatMap(snippetsOf);

describe("every TypeScript block in docs/ is a checked sample", () => {
  for (const page of pages()) {
    const blocks = tsBlocks(readFileSync(page, "utf8"));
    if (blocks.length === 0) continue;
    it(relative(DOCS, page), () => {
      const strays = blocks
        .filter((b) => !snippets.some((s) => s.text === b.text))
        .map((b) => `line ${b.line}:\n${b.text}`);
      expect(
        strays,
        "put each block in docs/examples/ (whole file, or a // docs:start <name> region) and paste it verbatim",
      ).toEqual([]);
    });
  }
});

describe("every region is shown somewhere", () => {
  const shown = pages().flatMap((page) => tsBlocks(readFileSync(page, "utf8")).map((b) => b.text));
  for (const snippet of snippets.filter((s) => s.source.includes("#"))) {
    it(snippet.source, () => expect(shown).toContain(snippet.text));
  }
});

describe("the scanner", () => {
  it("finds fences and regions", () => {
    expect(tsBlocks("a\n```ts\nx;\n  y;\n```\n```sh\nz\n```\n- item\n\n  ```ts\n  z;\n  ```\n")).toEqual([
      { line: 2, text: "x;\n  y;\n" },
      { line: 11, text: "z;\n" },
    ]);
    expect(snippets.length).toBeGreaterThan(20);
  });
});
