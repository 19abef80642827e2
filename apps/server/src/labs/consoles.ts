/**
 * One console per user (issue 12). Each user of a node gets a client connection of their own on it,
 * as their own `redis-cli` would, so one user's MULTI, SELECT or PSYNC never reaches another's
 * commands:
 *
 * - a browser tab (one stream socket) has one console per node, opened at its first command and
 *   closed with the socket;
 * - a REST command without a session is one `redis-cli` invocation: a fresh connection, closed
 *   after the reply;
 * - a REST command with `session` (an id of the caller's choosing) runs on that session's console,
 *   kept between calls (closed after `SESSION_IDLE_MS` without use).
 *
 * Consoles are opened through `Lab.openConnection`, so they are in the lab's input log and a
 * replay is exact. Each tracks what redis-cli tracks for its prompt: the selected db (a successful
 * SELECT, back to the one before after a failed EXEC or a DISCARD, 0 after RESET) and whether a
 * transaction is open; a console that reconnects (its node was restarted) selects its db again, as
 * redis-cli does.
 */
import { encodeCommand, ReplyParser, SUBSCRIBING_COMMANDS, type Lab, type LabConnection, type NodeId, type Reply } from "@replica-lab/engine";
import { ApiFailure } from "../http/errors.ts";

/** A REST session's console closes after this long unused. */
export const SESSION_IDLE_MS = 10 * 60_000;
/** REST sessions a lab keeps at once; the least recently used goes first. */
export const MAX_SESSIONS_PER_LAB = 256;

/** What a console command gives back: the reply, and the console's state for its prompt. */
export interface ConsoleReply {
  readonly reply: Reply;
  /** The db redis-cli would show in its prompt (`127.0.0.1:6379[3]>`). */
  readonly db: number;
  /** A MULTI is open (`127.0.0.1:6379(TX)>`). */
  readonly inTransaction: boolean;
}

/** What the consoles need from the lab runtime that owns them. */
export interface ConsoleHost {
  readonly lab: Lab;
  runCurrent(): void;
  /**
   * Brings the world up to the clock's target, so a command runs at the wall clock's virtual time;
   * false when the lab failed.
   */
  catchUp(): boolean;
  /** Wall ms a command may wait for its reply. */
  readonly commandTimeoutMs: number;
}

interface Waiter {
  readonly argv: readonly string[];
  readonly resolve: (reply: ConsoleReply) => void;
  readonly reject: (error: ApiFailure) => void;
}

const ENCODER = new TextEncoder();

/** One client connection on a node, with redis-cli's view of its state. */
class NodeConsole {
  private readonly parser = new ReplyParser();
  private readonly waiting: (Waiter | null)[] = [];
  private connection: LabConnection;
  db = 0;
  inTransaction = false;
  private dbBeforeTransaction = 0;
  lastUsedMs = performance.now();
  private closed = false;

  constructor(
    private readonly host: ConsoleHost,
    private readonly nodeId: NodeId,
    private readonly peer: string,
    /** Called once the console is gone; `nodeWentAway` when its node was killed or removed. */
    private readonly onGone: (console: NodeConsole, nodeWentAway: boolean) => void,
  ) {
    this.connection = this.open();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private open(): LabConnection {
    return this.host.lab.openConnection(this.nodeId, this.peer, {
      onData: (bytes) => this.onData(bytes),
      onClose: () => this.onClose(),
    });
  }

  /** Sends `argv`; the reply comes back in order. */
  run(argv: readonly string[]): Promise<ConsoleReply> {
    this.lastUsedMs = performance.now();
    return new Promise<ConsoleReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        // A reply that comes later would answer the wrong command: this connection is given up.
        this.close(new ApiFailure("reply-timeout", `no reply within ${this.host.commandTimeoutMs} ms (frozen node, paused lab or blocking command)`));
      }, this.host.commandTimeoutMs);
      timer.unref();
      this.waiting.push({
        argv,
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.connection.send(encodeCommand(argv.map((arg) => ENCODER.encode(arg))));
      this.host.runCurrent();
    });
  }

  /** Selects `db` first, as redis-cli does when it connects again (its answer is not shown). */
  select(db: number): void {
    if (db === 0) return;
    this.db = db;
    this.waiting.push(null);
    this.connection.send(encodeCommand([ENCODER.encode("SELECT"), ENCODER.encode(String(db))]));
  }

  /** Forgets the connection without telling the lab (it failed): waiting commands get `reason`. */
  abandon(reason: ApiFailure): void {
    if (this.closed) return;
    this.closed = true;
    this.failWaiting(reason);
    this.onGone(this, false);
  }

  /** Closes the connection (a session ended, a stream socket closed, one REST call done). */
  close(reason = new ApiFailure("connection-closed", "the console was closed")): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.connection.closed) this.connection.close();
    this.host.runCurrent();
    this.failWaiting(reason);
    this.onGone(this, false);
  }

  private onData(bytes: Uint8Array): void {
    this.parser.push(bytes);
    for (;;) {
      const reply = this.parser.next();
      if (reply === undefined) return;
      if (reply.kind === "protocol-error") {
        this.close();
        return;
      }
      const waiter = this.waiting.shift();
      if (!waiter) continue;
      this.follow(waiter.argv, reply);
      waiter.resolve({ reply, db: this.db, inTransaction: this.inTransaction });
    }
  }

  /** redis-cli's bookkeeping after a reply (cliSendCommand): the db and the transaction for the prompt. */
  private follow(argv: readonly string[], reply: Reply): void {
    const command = (argv[0] ?? "").toLowerCase();
    const failed = reply.kind === "error";
    if (command === "select" && argv.length === 2 && !failed) {
      this.db = Number.parseInt(argv[1]!, 10) || 0;
    } else if (command === "multi" && argv.length === 1 && !failed) {
      this.inTransaction = true;
      this.dbBeforeTransaction = this.db;
    } else if (command === "exec" && argv.length === 1 && this.inTransaction) {
      this.inTransaction = false;
      const aborted = failed || (reply.kind === "array" && reply.items === null);
      if (aborted) this.db = this.dbBeforeTransaction;
    } else if (command === "discard" && argv.length === 1 && !failed) {
      this.inTransaction = false;
      this.db = this.dbBeforeTransaction;
    } else if (command === "reset" && argv.length === 1 && !failed) {
      this.inTransaction = false;
      this.db = 0;
    }
  }

  private onClose(): void {
    if (this.closed) return;
    const db = this.db;
    this.failWaiting(new ApiFailure("connection-closed", "the node closed the console connection before answering (killed, or QUIT)"));
    if (!this.host.lab.hasNode(this.nodeId) || !this.host.lab.isUp(this.nodeId)) {
      this.closed = true;
      this.onGone(this, true);
      return;
    }
    // Closed by the node (QUIT, CLIENT KILL): the next command reconnects, as redis-cli does, and
    // selects the db it was on.
    this.inTransaction = false;
    this.connection = this.open();
    this.select(db);
  }

  private failWaiting(error: ApiFailure): void {
    for (const waiter of this.waiting.splice(0, this.waiting.length)) waiter?.reject(error);
  }
}

export class ConsoleSessions {
  private readonly consoles = new Map<string, NodeConsole>();
  /** The db of a console that went away with its node, selected again when its owner comes back. */
  private readonly lastDb = new Map<string, number>();
  /** Every open console, one-shot REST ones included. */
  private readonly live = new Set<NodeConsole>();
  private nextPeerPort = 52000;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly host: ConsoleHost) {
    this.sweeper = setInterval(() => this.closeIdle(), 60_000);
    this.sweeper.unref();
  }

  /**
   * Runs `argv` on a console of `nodeId`: the one of `owner` (a stream socket's, or `rest:<session>`),
   * kept for its next command, or with `owner` null a fresh one, closed after the reply.
   */
  async run(nodeId: NodeId, argv: readonly string[], owner: string | null): Promise<ConsoleReply> {
    // A subscribed connection gets messages, not one reply per command: the console cannot show them.
    if (SUBSCRIBING_COMMANDS.has((argv[0] ?? "").toLowerCase())) {
      throw new ApiFailure("subscribe-in-console", `${argv[0]} is not run in a console, which gets one reply per command: subscribe with redis-cli on the node's RESP port (PUBLISH works in the console)`);
    }
    // Before the console is looked up: catching up may close it (a node that exits on its own).
    if (!this.host.catchUp()) throw new ApiFailure("lab-failed", "the lab failed and was stopped (its view says why)");
    if (owner === null) {
      const once = this.open(nodeId, null);
      try {
        return await once.run(argv);
      } finally {
        once.close();
      }
    }
    const key = `${owner}\u0000${nodeId}`;
    let console = this.consoles.get(key);
    if (console === undefined || console.isClosed) {
      if (owner.startsWith("rest:")) this.makeRoomForSession();
      console = this.open(nodeId, key);
      this.consoles.set(key, console);
      console.select(this.lastDb.get(key) ?? 0);
      this.lastDb.delete(key);
    }
    return console.run(argv);
  }

  /** Closes every console of `owner` (its stream socket closed). */
  closeOwner(owner: string): void {
    const prefix = `${owner}\u0000`;
    for (const [key, console] of [...this.consoles]) if (key.startsWith(prefix)) console.close();
    for (const key of [...this.lastDb.keys()]) if (key.startsWith(prefix)) this.lastDb.delete(key);
  }

  /** Closes every console (the lab is going away). */
  closeAll(): void {
    clearInterval(this.sweeper);
    for (const console of [...this.consoles.values()]) console.close();
  }

  /** Forgets every console without telling the lab (it failed, or is gone); commands waiting get `reason`. */
  abandon(reason = new ApiFailure("connection-closed", "the lab is gone")): void {
    clearInterval(this.sweeper);
    for (const console of [...this.live]) console.abandon(reason);
    this.consoles.clear();
    this.lastDb.clear();
  }

  private open(nodeId: NodeId, key: string | null): NodeConsole {
    // What the node sees in CLIENT LIST: a local client, as a redis-cli on the same host.
    const peer = `127.0.0.1:${this.nextPeerPort++}`;
    if (this.nextPeerPort > 60999) this.nextPeerPort = 52000;
    const console = new NodeConsole(this.host, nodeId, peer, (gone, nodeWentAway) => {
      this.live.delete(gone);
      if (key === null || this.consoles.get(key) !== gone) return;
      this.consoles.delete(key);
      if (nodeWentAway && gone.db !== 0) this.lastDb.set(key, gone.db);
    });
    this.live.add(console);
    return console;
  }

  private makeRoomForSession(): void {
    const sessions = [...this.consoles.entries()].filter(([key]) => key.startsWith("rest:"));
    if (sessions.length < MAX_SESSIONS_PER_LAB) return;
    sessions.sort((a, b) => a[1].lastUsedMs - b[1].lastUsedMs);
    sessions[0]![1].close();
  }

  private closeIdle(): void {
    const now = performance.now();
    for (const [key, console] of [...this.consoles]) {
      if (key.startsWith("rest:") && now - console.lastUsedMs > SESSION_IDLE_MS) console.close();
    }
  }
}
