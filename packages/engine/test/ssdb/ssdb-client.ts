/**
 * Clients for a real ssdb-server: one speaking SSDB's own protocol (request and reply are packets
 * of blocks), and a one-shot Redis-protocol probe that keeps the reply's raw bytes.
 */
import { Socket } from "node:net";
import { ReplyParser, encodeCommand } from "../../src/index.ts";
import { binaryToBytes, concatBytes } from "../../src/util/bytes.ts";
import { encodePacket, parsePacket } from "./ssdb-wire.ts";

/** A request argument: text (one byte per character) or raw bytes. */
export type Arg = string | Uint8Array;

const toBytes = (arg: Arg): Uint8Array => (typeof arg === "string" ? binaryToBytes(arg) : arg);

function connectSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.once("error", reject);
    socket.connect(port, "127.0.0.1", () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
}

/** A client speaking SSDB's block protocol; requests are answered in order. */
export class SsdbClient {
  private pending: Uint8Array = new Uint8Array(0);
  private readonly waiting: { resolve: (blocks: Uint8Array[]) => void; reject: (error: Error) => void }[] = [];
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.pending = concatBytes([this.pending, new Uint8Array(chunk)]);
      for (;;) {
        const parsed = parsePacket(this.pending);
        if (parsed.kind === "incomplete") break;
        if (parsed.kind === "not-ssdb") {
          this.fail(new Error(`ssdb reply not in SSDB framing: ${parsed.reason}`));
          return;
        }
        this.pending = this.pending.slice(parsed.consumed);
        this.waiting.shift()?.resolve(parsed.blocks);
      }
    });
    socket.on("close", () => this.fail(new Error("connection closed")));
    socket.on("error", () => {});
  }

  /** Connects to 127.0.0.1:`port`. */
  static async connect(port: number): Promise<SsdbClient> {
    return new SsdbClient(await connectSocket(port));
  }

  /** Sends one request and resolves with the reply's blocks. */
  request(...argv: Arg[]): Promise<Uint8Array[]> {
    if (this.closed) return Promise.reject(new Error("connection closed"));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(encodePacket(argv.map(toBytes)));
    });
  }

  /** Closes the connection. */
  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private fail(error: Error): void {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}

/**
 * Sends one Redis-protocol command on a fresh connection and returns the reply's raw bytes (the
 * reply is complete when a RESP parser has read one whole reply, or after `timeoutMs`).
 */
export async function respRoundTrip(port: number, argv: readonly string[], timeoutMs = 2000): Promise<Uint8Array> {
  const socket = await connectSocket(port);
  return new Promise((resolve) => {
    const parser = new ReplyParser();
    const chunks: Uint8Array[] = [];
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(concatBytes(chunks));
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      const bytes = new Uint8Array(chunk);
      chunks.push(bytes);
      parser.push(bytes);
      if (parser.next() !== undefined) finish();
    });
    socket.on("close", finish);
    socket.on("error", () => {});
    socket.write(encodeCommand(argv.map((a) => binaryToBytes(a))));
  });
}
