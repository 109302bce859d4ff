import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { StartedServer } from "./types.ts";

/**
 * Listens on 127.0.0.1 with a free port; `close()` also ends idle keep-alive sockets so it returns promptly.
 *
 * @example
 * return listen(http.createServer(withScope(db, handler)));
 */
export function listen(server: Server): Promise<StartedServer> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
