import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";

/**
 * What the proxy does to traffic, switchable at any time:
 * - pass: forwards bytes unchanged.
 * - latency: every chunk (both directions) arrives `ms` later, order kept.
 * - hang: bytes stop flowing both ways (held, not dropped, like a partitioned network that later heals);
 *   new connections are accepted and hang too.
 * - reset: every open connection is reset (RST) now, and every new one is reset at accept.
 * - slice: every chunk is cut into pieces of at most `bytes`, written one event-loop turn apart, so the
 *   receiver's protocol parser sees messages split at arbitrary points.
 * - down: new connections are refused (reset at accept, counted in `refused`); open ones keep working.
 */
export type Fault =
  | { readonly mode: "pass" }
  | { readonly mode: "latency"; readonly ms: number }
  | { readonly mode: "hang" }
  | { readonly mode: "reset" }
  | { readonly mode: "slice"; readonly bytes: number }
  | { readonly mode: "down" };

export interface FaultProxyStats {
  /** Connections accepted and forwarded to the target (each is one connect by the client under test). */
  readonly accepted: number;
  /** Connections refused at accept (modes down and reset). */
  readonly refused: number;
  /** Connection pairs open right now. */
  readonly open: number;
}

/** One chunk on its way, or null for the sender's FIN. */
interface Item {
  readonly data: Buffer | null;
  readonly due: number;
}

/** One direction of one connection: keeps chunk order whatever the fault does to timing. */
class Lane {
  private readonly queue: Item[] = [];
  private pumping = false;
  private ended = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly proxy: FaultProxy,
  ) {
    from.on("data", (chunk: Buffer) => this.push(chunk));
    from.on("end", () => this.push(null));
  }

  private push(data: Buffer | null): void {
    const fault = this.proxy.fault;
    const due = fault.mode === "latency" ? Date.now() + fault.ms : 0;
    if (data !== null && fault.mode === "slice") {
      const size = Math.max(1, fault.bytes);
      for (let at = 0; at < data.length; at += size) this.queue.push({ data: data.subarray(at, at + size), due });
    } else {
      this.queue.push({ data, due });
    }
    // Bounded memory under hang or latency: the sender waits like it would for a slow network.
    if (this.queue.length > 64) this.from.pause();
    this.pump();
  }

  /** Delivers queued items in order; called again when the fault changes (a hang ends). */
  pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    this.drainQueue()
      .catch(() => {
        this.from.destroy();
        this.to.destroy();
      })
      .finally(() => {
        this.pumping = false;
      });
  }

  private async drainQueue(): Promise<void> {
    for (;;) {
      const item = this.queue[0];
      if (item === undefined || this.to.destroyed || this.ended) return;
      const fault = this.proxy.fault;
      if (fault.mode === "hang") return;
      const wait = item.due - Date.now();
      if (wait > 0) {
        await delay(wait);
        continue; // the fault may have changed meanwhile
      }
      this.queue.shift();
      if (item.data === null) {
        this.ended = true;
        this.to.end();
        return;
      }
      const flushed = this.to.write(item.data);
      if (fault.mode === "slice") await new Promise<void>((resolve) => setImmediate(resolve));
      else if (!flushed) await new Promise<void>((resolve) => this.to.once("drain", resolve));
      if (this.queue.length <= 16 && this.from.isPaused()) this.from.resume();
    }
  }
}

/** A client socket and its upstream socket. */
class Pair {
  private readonly lanes: Lane[];

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
    proxy: FaultProxy,
  ) {
    this.lanes = [new Lane(client, upstream, proxy), new Lane(upstream, client, proxy)];
  }

  resume(): void {
    for (const lane of this.lanes) lane.pump();
  }

  reset(): void {
    resetSocket(this.client);
    resetSocket(this.upstream);
  }
}

/**
 * A TCP proxy on 127.0.0.1 between the code under test and a real database server, with faults you
 * switch at run time. Point the driver at `proxy.url(serverUrl)` instead of the server.
 *
 * @example
 * const proxy = await FaultProxy.start(postgresTestUrl());
 * const db = new SQLScope().add(postgres({ connectionString: proxy.url(serverUrl) }));
 * proxy.set({ mode: "down" });        // new connections are refused
 * proxy.set({ mode: "pass" });        // back to normal
 * await proxy.close();
 */
export class FaultProxy {
  private current: Fault = { mode: "pass" };
  private readonly pairs = new Set<Pair>();
  private accepted = 0;
  private refused = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Starts a proxy to `target` (a URL such as postgres://u@127.0.0.1:5432/db, or "host:port"). */
  static async start(target: string): Promise<FaultProxy> {
    const { host, port } = parseTarget(target);
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    const proxy = new FaultProxy(server, (server.address() as AddressInfo).port, host, port);
    server.on("connection", (socket) => proxy.accept(socket));
    return proxy;
  }

  /** The fault in force. */
  get fault(): Fault {
    return this.current;
  }

  /** Switches the fault; takes effect for bytes and connections from now on. */
  set(fault: Fault): void {
    this.current = fault;
    if (fault.mode === "reset") this.resetAll();
    else for (const pair of this.pairs) pair.resume();
  }

  /** Resets (RST) every open connection now, whatever the mode: a server crash as the client sees it. */
  resetAll(): void {
    for (const pair of [...this.pairs]) pair.reset();
    this.pairs.clear();
  }

  stats(): FaultProxyStats {
    return { accepted: this.accepted, refused: this.refused, open: this.pairs.size };
  }

  /** `serverUrl` with its host and port replaced by the proxy's. */
  url(serverUrl: string): string {
    const url = new URL(serverUrl);
    url.hostname = "127.0.0.1";
    url.port = String(this.port);
    return url.toString();
  }

  /** Stops listening and resets every open connection. */
  async close(): Promise<void> {
    this.resetAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    client.on("error", () => client.destroy());
    const mode = this.current.mode;
    if (mode === "down" || mode === "reset") {
      this.refused++;
      resetSocket(client);
      return;
    }
    this.accepted++;
    const upstream = connect({ host: this.targetHost, port: this.targetPort, allowHalfOpen: true });
    upstream.on("error", () => undefined);
    const pair = new Pair(client, upstream, this);
    this.pairs.add(pair);
    let gone = false;
    const onClose = (): void => {
      if (gone) return;
      gone = true;
      this.pairs.delete(pair);
      // One side vanished without a goodbye (or both finished): nothing more can flow either way.
      if (!client.destroyed) client.destroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    client.on("close", onClose);
    upstream.on("close", onClose);
    client.resume();
  }
}

function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  // resetAndDestroy needs a connected TCP handle; a socket still connecting is just destroyed.
  if (socket.readyState === "open" || socket.readyState === "readOnly" || socket.readyState === "writeOnly")
    socket.resetAndDestroy();
  else socket.destroy();
}

function parseTarget(target: string): { host: string; port: number } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    const url = new URL(target);
    return { host: url.hostname || "127.0.0.1", port: Number(url.port) };
  }
  const at = target.lastIndexOf(":");
  return { host: target.slice(0, at) || "127.0.0.1", port: Number(target.slice(at + 1)) };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
