/**
 * What a master sends a replica, collected on a raw connection (a lab connection or a socket to a
 * real redis-server) after PSYNC: tests compare the bytes after the RDB between a lab master and a
 * real one.
 */
import { Socket } from "node:net";
import { encodeCommand, ReplyParser, utf8, type Lab, type Reply } from "../src/index.ts";

/** A pipelined connection into a lab node. */
export class LabClient {
  private readonly parser = new ReplyParser();
  private readonly replies: Reply[] = [];
  private readonly connection;

  constructor(
    private readonly lab: Lab,
    node: ReturnType<Lab["nodeIds"]>[number],
  ) {
    this.connection = lab.openConnection(node, "127.0.0.1:40001", {
      onData: (bytes) => {
        this.parser.push(bytes);
        for (;;) {
          const reply = this.parser.next();
          if (reply === undefined) break;
          if (reply.kind === "protocol-error") throw new Error(reply.message);
          this.replies.push(reply);
        }
      },
      onClose: () => {},
    });
    lab.runCurrent();
  }

  /** Sends every command at once and lets virtual time run until each has its reply. */
  run(commands: readonly (readonly (string | Uint8Array)[])[]): Reply[] {
    const parts = commands.map((argv) => encodeCommand(argv.map((a) => (typeof a === "string" ? utf8(a) : a))));
    const total = parts.reduce((n, p) => n + p.length, 0);
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const part of parts) {
      bytes.set(part, at);
      at += part.length;
    }
    this.connection.send(bytes);
    const deadline = this.lab.nextEventMs() + 600_000;
    while (this.replies.length < commands.length) {
      const next = this.lab.nextEventMs();
      if (next > deadline) throw new Error(`lab: ${this.replies.length} of ${commands.length} replies`);
      this.lab.runUntil(next);
    }
    return this.replies.splice(0, this.replies.length);
  }
}

const HANDSHAKE = [["PING"], ["REPLCONF", "listening-port", "6399"], ["REPLCONF", "capa", "eof", "capa", "psync2"], ["PSYNC", "?", "-1"]];

/** A replica's handshake on a lab connection into `master`, one command at a time, through the RDB. */
export function attachLabReplica(lab: Lab, master: ReturnType<Lab["nodeIds"]>[number], address = "127.0.0.1:40002"): StreamCollector {
  const stream = new StreamCollector();
  const connection = lab.openConnection(master, address, { onData: (b) => stream.push(b), onClose: () => {} });
  lab.runCurrent();
  // One at a time, as a replica does (PSYNC with replies pending is refused).
  for (const [i, argv] of HANDSHAKE.entries()) {
    connection.send(encodeCommand(argv.map(utf8)));
    while (stream.lines < i + 1) lab.runUntil(lab.nextEventMs());
  }
  lab.runUntil(lab.nextEventMs() + 2_000);
  return stream;
}

/** The same handshake on a socket to a real master; resolves once its RDB is in. */
export async function attachRealReplica(port: number): Promise<{ stream: StreamCollector; socket: Socket }> {
  const stream = new StreamCollector();
  const socket = new Socket();
  await new Promise<void>((resolve, reject) => socket.connect(port, "127.0.0.1", resolve).once("error", reject));
  socket.on("data", (chunk: Buffer) => stream.push(new Uint8Array(chunk)));
  for (const [i, argv] of HANDSHAKE.entries()) {
    socket.write(encodeCommand(argv.map(utf8)));
    await waitFor(() => stream.lines >= i + 1, `the reply to ${argv[0]}`);
  }
  await waitFor(() => stream.synced, "the real master's RDB");
  return { stream, socket };
}

/** Collects what a master sends a replica: +FULLRESYNC, the RDB ($len or $EOF), then the stream. */
export class StreamCollector {
  private buffer = new Uint8Array(0);
  synced = false;

  /** Reply lines seen before the RDB (the handshake's answers). */
  get lines(): number {
    let count = 0;
    for (const byte of this.synced ? [] : this.buffer) if (byte === 0x0a) count++;
    return this.synced ? 4 : count;
  }

  push(bytes: Uint8Array): void {
    const merged = new Uint8Array(this.buffer.length + bytes.length);
    merged.set(this.buffer);
    merged.set(bytes, this.buffer.length);
    this.buffer = merged;
    if (!this.synced) this.trySync();
  }

  private trySync(): void {
    const textOf = (from: number, to: number): string => Buffer.from(this.buffer.subarray(from, to)).toString("latin1");
    let at = 0;
    const line = (): string | null => {
      while (this.buffer[at] === 0x0a) at++;
      const end = this.buffer.indexOf(0x0a, at);
      if (end < 0) return null;
      const result = textOf(at, end - 1);
      at = end + 1;
      return result;
    };
    // +PONG, +OK, +OK, +FULLRESYNC ...
    for (let i = 0; i < 4; i++) if (line() === null) return;
    const header = line();
    if (header === null) return;
    if (header.startsWith("$EOF:")) {
      const mark = header.slice(5);
      const end = Buffer.from(this.buffer).indexOf(mark, at, "latin1");
      if (end < 0) return;
      at = end + mark.length;
    } else {
      const length = Number(header.slice(1));
      if (this.buffer.length < at + length) return;
      at += length;
    }
    this.buffer = this.buffer.slice(at);
    this.synced = true;
  }

  get length(): number {
    return this.synced ? this.buffer.length : -1;
  }

  stream(): Uint8Array {
    return this.buffer;
  }
}

export async function waitFor(ready: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
