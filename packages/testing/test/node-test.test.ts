import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");

function runNodeTest(file: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@sqlscope/source", "--import", "tsx", "--test", "--test-reporter=tap", file],
      {
        cwd: packageDir,
        env: { ...process.env, NODE_OPTIONS: "" },
      },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

it("works with node:test: useRollbackPerTest from @sqlscope/testing/node-test isolates each test of a real Express app", async () => {
  const { code, output } = await runNodeTest("test/fixtures/rollback.node-test.ts");
  expect(output).toMatch(/^# pass 2$/m);
  expect(output).toMatch(/^# fail 0$/m);
  expect(code, output).toBe(0);
});
