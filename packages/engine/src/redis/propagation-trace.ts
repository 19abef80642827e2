/**
 * The trace event a node emits when a command reaches its replicas as something else than what the
 * client sent (redis rewriteClientCommandVector, alsoPropagate, preventCommandPropagation): a
 * relative expiry made absolute, a random pick replaced by what was picked, a float computed once,
 * a blocking pop replaced by the pop it became. Non-determinism is why replication rewrites.
 */
import { bytesToBinary } from "../util/bytes.ts";
import type { TraceEvent } from "../process/trace.ts";

/** Why 7.0.15 rewrites the commands the shared string and key commands rewrite, by command. */
const DEFAULT_REASONS: Readonly<Record<string, string>> = {
  set: "a relative or absolute expiry is sent as PXAT in ms, so replicas expire the key at the same moment",
  setex: "SETEX is sent as SET with an absolute PXAT, so replicas expire the key at the same moment",
  psetex: "PSETEX is sent as SET with an absolute PXAT, so replicas expire the key at the same moment",
  getset: "GETSET is SET for replicas: they need the write, not the old value",
  getdel: "GETDEL is DEL for replicas",
  getex: "GETEX changes only the TTL: replicas get PEXPIREAT, PERSIST or DEL",
  expire: "a relative TTL is sent as PEXPIREAT (absolute ms), so replicas expire the key at the same moment",
  pexpire: "a relative TTL is sent as PEXPIREAT (absolute ms), so replicas expire the key at the same moment",
  expireat: "EXPIREAT is sent as PEXPIREAT in ms",
};

function printable(arg: Uint8Array): string {
  const text = bytesToBinary(arg, 0, Math.min(arg.length, 64));
  return arg.length > 64 ? `${text}…` : text;
}

/** `propagated` null: the command itself is not propagated (it propagated something else, or nothing). */
export function describePropagation(original: readonly Uint8Array[], propagated: readonly Uint8Array[] | null, reason: string): TraceEvent {
  const command = original.map(printable);
  const sent = propagated === null ? null : propagated.map(printable);
  const name = (command[0] ?? "").toLowerCase();
  const why = reason !== "" ? reason : (DEFAULT_REASONS[name] ?? "rewritten for replicas");
  const shown = sent === null ? "not propagated itself" : `propagated as ${sent.join(" ")}`;
  return { kind: "propagation", command, propagated: sent, reason: why, message: `${command.join(" ")} ${shown}: ${why}` };
}
