import { createServer } from "node:net";

/**
 * A TCP port on 127.0.0.1 that is free at the time of asking: bind port 0, read the port the
 * kernel chose, release it. Another process may take it before the caller binds it; the callers
 * are tests and benchmarks on one machine, where that race is rare and shows as a clear bind error.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("the probe socket has no TCP address"))));
    });
  });
}
