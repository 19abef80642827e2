/**
 * The replica's side of the replication handshake before SYNC/PSYNC (syncWithMaster): `PING`,
 * then `AUTH`, `REPLCONF listening-port`, `REPLCONF ip-address`, `REPLCONF capa …` as the version
 * sends them. What differs between versions is the list of steps (the kind gives it), how each
 * command is written (inline `PING\r\n` up to 6.2, a RESP array in 7.0), and whether the commands
 * after PING go out together with their replies read in order (7.0) or one at a time (before).
 */
import { encodeCommand } from "./resp/encode.ts";
import { asciiBytes } from "../util/bytes.ts";

/** One command of the handshake. */
export interface HandshakeStep {
  readonly argv: readonly string[];
  /**
   * What an error reply does: fails the attempt (PING answered with anything but `+`, `-NOAUTH`,
   * `-NOPERM` or the old "operation not permitted"; AUTH refused), or is ignored (REPLCONF, which
   * old masters may not understand).
   */
  readonly onError: "fail" | "ignore";
  /** The replica's `repl_state` while it waits for this reply (ROLE and INFO read it). */
  readonly state: string;
}

/** How a version writes its handshake. */
export interface HandshakeStyle {
  /** Inline commands (`REPLCONF listening-port 6380\r\n`) rather than RESP arrays. */
  readonly inline: boolean;
  /** The commands after PING are written back to back (7.0) rather than each after a reply. */
  readonly pipelined: boolean;
}

/** What a reply line did to the handshake. */
export type HandshakeOutcome = { readonly kind: "waiting" } | { readonly kind: "done" } | { readonly kind: "failed"; readonly reason: string };

const WAITING: HandshakeOutcome = { kind: "waiting" };

/** Encodes a replication command as `style` writes it. */
export function encodeHandshakeCommand(argv: readonly string[], style: HandshakeStyle): Uint8Array {
  return style.inline ? asciiBytes(`${argv.join(" ")}\r\n`) : encodeCommand(argv.map((word) => asciiBytes(word)));
}

/** A PING reply that lets the handshake go on (an auth error is fine: AUTH comes next). */
function pingAccepted(line: string): boolean {
  return line.startsWith("+") || line.startsWith("-NOAUTH") || line.startsWith("-NOPERM") || line.startsWith("-ERR operation not permitted");
}

/** Where the handshake writes (the replica's link; an object, not a closure, so labs can be forked). */
export interface HandshakeSink {
  send(bytes: Uint8Array): void;
}

/**
 * One handshake in progress. `start` writes PING; each reply line goes to `onReply`, which writes
 * what follows and says when every step has been answered (the caller then sends SYNC or PSYNC).
 */
export class ReplicaHandshake {
  /** Index of the step whose reply is awaited next. */
  private awaiting = 0;
  /** Steps written so far. */
  private written = 0;

  constructor(
    private readonly steps: readonly HandshakeStep[],
    private readonly style: HandshakeStyle,
    private readonly sink: HandshakeSink,
  ) {}

  /** The `repl_state` of the step being waited for. */
  get state(): string {
    return this.steps[this.awaiting]?.state ?? "receive_psync_reply";
  }

  /** Writes the first command (PING). */
  start(): void {
    this.writeNext();
  }

  /** A reply line from the master. */
  onReply(line: string): HandshakeOutcome {
    const step = this.steps[this.awaiting];
    if (!step) return { kind: "done" };
    const isPing = this.awaiting === 0;
    if (isPing ? !pingAccepted(line) : line.startsWith("-") && step.onError === "fail") {
      return { kind: "failed", reason: isPing ? `error reply to PING from master: '${line}'` : `unable to ${step.argv[0]} to MASTER: ${line}` };
    }
    this.awaiting++;
    if (this.awaiting === this.steps.length) return { kind: "done" };
    if (this.written === this.awaiting) {
      // After PONG, a pipelining replica writes the rest at once; others write one at a time.
      if (this.style.pipelined) while (this.written < this.steps.length) this.writeNext();
      else this.writeNext();
    }
    return WAITING;
  }

  private writeNext(): void {
    const step = this.steps[this.written++]!;
    this.sink.send(encodeHandshakeCommand(step.argv, this.style));
  }
}
