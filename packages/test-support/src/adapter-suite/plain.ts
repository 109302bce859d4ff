// The byte-for-byte checks of servers that do NOT use sqlscope. This file imports nothing of sqlscope
// (fresh-process.ts runs it in a process that never loads any): what a plain server answers there is
// the reference for what it must answer in a process where sqlscope is loaded and serving.
import { connect } from "node:net";
import { IncomingMessage, OutgoingMessage, ServerResponse } from "node:http";

/**
 * The requests a harness's plain server (`AdapterHarness.plainServer`) must answer, each with the
 * framework's usual API and with fixed bytes (no clock, no randomness; node:http's Date header is
 * blanked by the comparison):
 * - `GET /plain/text`: 200, body `hello` as text/plain;
 * - `GET /plain/json`: 201, body `{"a":1}` as JSON;
 * - `GET /plain/stream`: 200, the chunks `a`, `b`, `c` written one by one (chunked);
 * - `GET /plain/redirect`: 302 to `/elsewhere`;
 * - `GET /plain/missing`: the framework's own 404;
 * - `POST /plain/echo`: 200, the request body read from the request's own events (here `ping`);
 * - `HEAD /plain/text`: the head of the first.
 */
export const PLAIN_REQUESTS: readonly string[] = [
  "GET /plain/text HTTP/1.1\r\nHost: plain\r\nConnection: close\r\n\r\n",
  "GET /plain/json HTTP/1.1\r\nHost: plain\r\nConnection: close\r\n\r\n",
  "GET /plain/stream HTTP/1.1\r\nHost: plain\r\nConnection: close\r\n\r\n",
  "GET /plain/redirect HTTP/1.1\r\nHost: plain\r\nConnection: close\r\n\r\n",
  "GET /plain/missing HTTP/1.1\r\nHost: plain\r\nConnection: close\r\n\r\n",
  "POST /plain/echo HTTP/1.1\r\nHost: plain\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nping",
  "HEAD /plain/text HTTP/1.1\r\nHost: plain\r\nConnection: close\r\n\r\n",
];

/** What a plain server module exports. */
export interface PlainServerModule {
  start(): Promise<{ readonly url: string; close(): Promise<void> }>;
}

/** Sends each request on its own connection and returns the raw bytes of each answer (Date blanked). */
export async function exchangeAll(url: string): Promise<string[]> {
  const { hostname, port } = new URL(url);
  const answers: string[] = [];
  for (const raw of PLAIN_REQUESTS) answers.push(blankDate(await exchange(hostname, Number(port), raw)));
  return answers;
}

function exchange(host: string, port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // Written, not ended: a half-closed client would make node:http abort a response still streaming.
    // The server closes the connection itself once it answered ("Connection: close").
    const socket = connect(port, host, () => socket.write(raw));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
  });
}

function blankDate(response: string): string {
  return response.replace(/^Date: [^\r]*\r$/im, "Date: -\r");
}

/** One own property of a prototype, in a form that compares across processes (functions by source). */
type Described = Record<string, string | boolean | undefined>;

/**
 * node:http's shared prototypes as they are now: every own property (symbols too) with its
 * attributes, functions by their source text, so a snapshot taken in another process compares.
 */
export function prototypeSnapshot(): Record<string, Record<string, Described>> {
  const targets = {
    ServerResponse: ServerResponse.prototype,
    OutgoingMessage: OutgoingMessage.prototype,
    IncomingMessage: IncomingMessage.prototype,
  };
  const out: Record<string, Record<string, Described>> = {};
  for (const [name, proto] of Object.entries(targets)) {
    const props: Record<string, Described> = {};
    for (const key of Reflect.ownKeys(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, key) as PropertyDescriptor;
      props[String(key)] = {
        enumerable: d.enumerable,
        configurable: d.configurable,
        writable: d.writable,
        value: "value" in d ? show(d.value) : undefined,
        get: d.get === undefined ? undefined : show(d.get),
        set: d.set === undefined ? undefined : show(d.set),
      };
    }
    out[name] = props;
  }
  return out;
}

function show(value: unknown): string {
  return typeof value === "function"
    ? `function ${Function.prototype.toString.call(value)}`
    : `${typeof value} ${String(value)}`;
}
