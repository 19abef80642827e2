import { createServer, Socket } from "node:net";

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

const RETRY_MS = 25;

/** One connection attempt to 127.0.0.1:`port`: the connected socket, or null if nothing accepted it. */
export function tryConnect(port: number): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => resolve(socket));
    socket.once("error", () => {
      socket.destroy();
      resolve(null);
    });
    socket.connect(port, "127.0.0.1");
  });
}

/** Connects once something listens on `port`, trying every 25 ms (a server starting up). */
export async function connectWhenListening(port: number, attempts = 200): Promise<Socket> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const socket = await tryConnect(port);
    if (socket) return socket;
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** Resolves once nothing accepts connections on `port` any more (a killed server may hold it a moment). */
export async function waitUntilClosed(port: number, attempts = 400): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const socket = await tryConnect(port);
    if (!socket) return;
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
  throw new Error(`port ${port} still accepts connections`);
}
