/**
 * The TCP gateway of one lab: a real listening socket on 127.0.0.1 per node, so `redis-cli`,
 * `redis-benchmark` and client libraries reach lab nodes. The node's lab address is that port, so
 * `REPLICAOF 127.0.0.1 <port>` typed into redis-cli resolves to the lab node behind it.
 *
 * A killed node's listener is closed (the port refuses connections) and its clients are dropped; a
 * restarted node listens on the same port again. A frozen node needs nothing here: the world holds
 * bytes for a stopped process, so its port accepts connections and answers nothing until thawed.
 */
import { createServer, type Server } from "node:net";
import type { NodeId } from "@replica-lab/engine";
import { ApiFailure } from "../http/errors.ts";
import { ReadBudget } from "./read-budget.ts";
import { RespSession, type SessionHost } from "./resp-session.ts";

/** A bound port, before and after it is given to a node. */
export interface PortBinding {
  readonly port: number;
}

/** A node's listening socket and the clients it accepted. */
export interface NodeListener {
  port: number;
  /** The node's lab address; null until the node exists. */
  address: string | null;
  server: Server | null;
  readonly sessions: Set<RespSession>;
}

export class RespGateway {
  private readonly byNode = new Map<NodeId, NodeListener>();
  /**
   * Who may connect: null lets everyone in; otherwise a refusal for the client's address (sent as
   * a RESP error before the close), or null to let it in. A classroom session sets it.
   */
  admit: ((remoteAddress: string | undefined) => string | null) | null = null;
  /** The lab's clients' share of each turn of the event loop (`read-budget.ts`). */
  private readonly budget = new ReadBudget();

  constructor(
    private readonly host: SessionHost,
    private readonly bindHost = "127.0.0.1",
  ) {}

  /** Binds a port (0: any free one) before the node exists, so its address can be the real port. */
  async bind(port: number): Promise<PortBinding & { readonly listener: NodeListener }> {
    const listener: NodeListener = { port, address: null, server: null, sessions: new Set() };
    const server = await this.listen(listener, port);
    const address = server.address();
    listener.port = typeof address === "object" && address !== null ? address.port : port;
    listener.server = server;
    return { port: listener.port, listener };
  }

  /** Gives a bound port to the node that now lives at `address`. */
  attach(nodeId: NodeId, binding: { readonly listener: NodeListener }, address: string): void {
    binding.listener.address = address;
    this.byNode.set(nodeId, binding.listener);
  }

  /** Releases a port bound for a node that was never created. */
  async release(binding: { readonly listener: NodeListener }): Promise<void> {
    await closeServer(binding.listener.server);
  }

  portOf(nodeId: NodeId): number | null {
    return this.byNode.get(nodeId)?.port ?? null;
  }

  /** Stops listening and drops every client: the port refuses connections (kill). */
  async stop(nodeId: NodeId): Promise<void> {
    const listener = this.byNode.get(nodeId);
    if (!listener) return;
    const server = listener.server;
    listener.server = null;
    for (const session of [...listener.sessions]) session.destroy();
    await closeServer(server);
  }

  /** Listens again on the node's port (restart). Returns false if the port is no longer free. */
  async start(nodeId: NodeId): Promise<boolean> {
    const listener = this.byNode.get(nodeId);
    if (!listener || listener.server) return listener !== undefined;
    try {
      listener.server = await this.listen(listener, listener.port);
      return true;
    } catch {
      return false;
    }
  }

  /** Forgets the node's port for good. */
  async remove(nodeId: NodeId): Promise<void> {
    await this.stop(nodeId);
    this.byNode.delete(nodeId);
  }

  /** Clients connected to the node's port right now. */
  sessionCount(nodeId: NodeId): number {
    return this.byNode.get(nodeId)?.sessions.size ?? 0;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.byNode.keys()].map((id) => this.remove(id)));
  }

  private listen(listener: NodeListener, port: number): Promise<Server> {
    return new Promise((resolve, reject) => {
      const server = createServer({ noDelay: true });
      server.on("connection", (socket) => {
        if (listener.address === null) {
          socket.destroy();
          return;
        }
        const refusal = this.admit?.(socket.remoteAddress) ?? null;
        if (refusal !== null) {
          socket.end(`-ERR ${refusal.replace(/[\r\n]/g, " ")}\r\n`);
          return;
        }
        let session: RespSession | null = null;
        const address = listener.address;
        this.host.safely("a new client", () => {
          session = new RespSession(socket, this.host, address, (gone) => listener.sessions.delete(gone), this.budget);
        });
        // A lab that failed (now, or before) takes no more clients.
        if (session === null) socket.destroy();
        else listener.sessions.add(session);
      });
      const onError = (error: NodeJS.ErrnoException): void => {
        reject(
          error.code === "EADDRINUSE" || error.code === "EACCES"
            ? new ApiFailure("port-taken", `port ${port} on ${this.bindHost} is not available (${error.code})`)
            : error,
        );
      };
      server.once("error", onError);
      server.listen(port, this.bindHost, () => {
        server.off("error", onError);
        server.on("error", () => {
          // A listening socket's later errors are not actionable; accepted sockets have their own.
        });
        resolve(server);
      });
    });
  }
}

function closeServer(server: Server | null): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => server.close(() => resolve()));
}
