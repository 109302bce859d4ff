// Starts one consumer app under plain node (it reports its port over IPC), POSTs a user and GETs it back.
import { fork } from "node:child_process";
import { join } from "node:path";

export async function appRoundTrip(project: string, argv: [string, ...string[]], label: string): Promise<void> {
  const [script, ...args] = argv;
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // installed packages resolve as users see them, never to src/
  const app = fork(join(project, script), args, {
    cwd: project,
    env,
    execArgv: [],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script} did not start within 30 s`)), 30_000);
      app.once("message", (message) => {
        clearTimeout(timer);
        resolve((message as { port: number }).port);
      });
      app.once("exit", (code) => reject(new Error(`${script} exited with ${code} before listening`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const email = `ada-${process.pid}-${label.length}@example.com`;
    const created = await fetch(`${base}/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email }),
    });
    const body = (await created.json()) as { id?: number; email?: string };
    if (created.status !== 201 || body.email !== email)
      throw new Error(`${label}: POST answered ${created.status} ${JSON.stringify(body)}`);
    const read = await fetch(`${base}/users/${body.id}`);
    const row = (await read.json()) as { email?: string };
    if (read.status !== 200 || row.email !== email)
      throw new Error(`${label}: GET answered ${read.status} ${JSON.stringify(row)}`);
    console.log(`  ok  ${label}: 201 committed, GET read it back`);
  } finally {
    if (app.connected) app.disconnect();
    await new Promise((resolve) => {
      if (app.exitCode !== null) resolve(undefined);
      else {
        const timer = setTimeout(() => app.kill(), 5_000);
        app.once("exit", () => resolve(clearTimeout(timer)));
      }
    });
  }
}
