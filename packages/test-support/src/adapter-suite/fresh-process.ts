// Run by the suite in a process of its own (see isolated.ts), never imported by it:
//   fresh-process.ts plain <module>           the plain server's answers, in a process without sqlscope
//   fresh-process.ts import <module>...       node:http's prototypes before and after importing modules
// It prints one JSON line. Like plain.ts it imports nothing of sqlscope itself.
import { exchangeAll, prototypeSnapshot, type PlainServerModule } from "./plain.ts";

const [mode, ...modules] = process.argv.slice(2);

if (mode === "plain") {
  const plain = (await import(modules[0] as string)) as PlainServerModule;
  const server = await plain.start();
  const answers = await exchangeAll(server.url);
  await server.close();
  process.stdout.write(`${JSON.stringify({ answers, prototypes: prototypeSnapshot() })}\n`, () => process.exit(0));
} else if (mode === "import") {
  const before = prototypeSnapshot();
  for (const module of modules) await import(module);
  process.stdout.write(`${JSON.stringify({ before, after: prototypeSnapshot() })}\n`, () => process.exit(0));
} else {
  throw new Error(`fresh-process.ts: unknown mode ${String(mode)}`);
}
