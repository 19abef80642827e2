/**
 * The limits redis 7.0 puts on one client's buffers, and what it does when a client is over one
 * (networking.c):
 *
 * - `client-query-buffer-limit` (1 GiB): a client whose unparsed input is over it after a read is
 *   closed, with "Closing client that reached max query buffer length" in the log.
 * - `client-output-buffer-limit` per class (`normal 0 0 0`, `slave 256mb 64mb 60`, `pubsub 32mb
 *   8mb 60`): a client whose output buffer reaches the hard limit, or stays at or over the soft limit
 *   for more than its seconds, is closed as soon as possible, with "Client … scheduled to be closed
 *   ASAP for overcoming of output buffer limits." A replica's output buffer is its share of the
 *   replication buffer (what its reader still holds), and its hard limit is never below
 *   `repl-backlog-size`.
 *
 * Memory-wide limits (maxmemory, client eviction, the lab's memory) are in `memory.ts`.
 */
import { outputBufferLimits, type OutputBufferClass } from "./config.ts";
import { reprBytes } from "./resp/repr.ts";
import { clientInfoLine } from "./commands/connection.ts";
import type { Client } from "./client.ts";
import type { RedisNode } from "./server.ts";

/** What a client costs besides its buffers (the client struct and its 16 KiB static reply buffer). */
export const CLIENT_BASE_BYTES = 20 * 1024;
/** `sizeof(listNode) + sizeof(clientReplyBlock)`: counted per reply block in a normal client's omem. */
const REPLY_BLOCK_OVERHEAD_BYTES = 40;

/** The class a client's output is limited as (getClientType; a master counts as normal). */
export function outputBufferClass(client: Client): OutputBufferClass {
  if (client.kind === "replica") return "slave";
  return client.pubsubMode && client.kind === "normal" ? "pubsub" : "normal";
}

/** getClientOutputBufferMemoryUsage: CLIENT LIST `omem`. */
export function outputBufferBytes(node: RedisNode, client: Client): number {
  // A 7.0 replica's stream stays in the shared replication buffer: its omem is what its reader
  // holds there, and nothing else (an RDB on its way is not output buffer, as in redis).
  const replicaBytes = client.kind === "replica" ? node.replication.replicaOutputBufferBytes?.(client) : undefined;
  if (replicaBytes !== undefined) return replicaBytes;
  return client.out.length === 0 ? 0 : client.out.length + REPLY_BLOCK_OVERHEAD_BYTES * client.out.blockCount;
}

/** getClientMemoryUsage: CLIENT LIST `tot-mem` (buffers, pending arguments, the client itself). */
export function clientMemoryBytes(node: RedisNode, client: Client): number {
  return CLIENT_BASE_BYTES + client.parser.memoryBytes + outputBufferBytes(node, client);
}

/**
 * After a read: a client (never our master) whose unparsed input is over `client-query-buffer-limit`
 * is closed at once, without a reply. Returns true when it was.
 */
export function queryBufferOverLimit(node: RedisNode, client: Client): boolean {
  const limit = node.config["client-query-buffer-limit"];
  if (client.kind === "master" || client.parser.bufferedLength <= limit) return false;
  const line = `Closing client that reached max query buffer length: ${clientInfoLine(node, client)} (qbuf initial bytes: ${reprBytes(client.parser.bufferHead(64))})`;
  node.trace({
    kind: "warning",
    code: "client-query-buffer-limit",
    message: `client ${client.peer} closed: its query buffer (${client.parser.bufferedLength} bytes not yet parsed) is over client-query-buffer-limit (${limit} bytes). ${line}`,
  });
  node.freeClient(client, true);
  return true;
}

/** The last client-output-buffer-limit value parsed, and its limits. */
let lastLimits: { readonly value: string; readonly limits: ReturnType<typeof outputBufferLimits> } | null = null;

/**
 * outputBufferLimits, remembered for the last value: the limits are checked after every batch of
 * commands and every growth of the stream, and the setting (the same text on most nodes) seldom
 * changes, so parsing it each time was a visible share of a write-heavy replay.
 */
function parsedOutputBufferLimits(value: string): ReturnType<typeof outputBufferLimits> {
  if (lastLimits === null || lastLimits.value !== value) lastLimits = { value, limits: outputBufferLimits(value) };
  return lastLimits.limits;
}

/**
 * checkClientOutputBufferLimits: true when the client's output buffer is at its hard limit, or has
 * been at its soft limit for more than the soft seconds (the soft clock starts the first time).
 */
export function outputBufferOverLimit(node: RedisNode, client: Client): { readonly over: false } | { readonly over: true; readonly usedBytes: number; readonly why: string } {
  const klass = outputBufferClass(client);
  const limit = parsedOutputBufferLimits(node.config["client-output-buffer-limit"])[klass];
  const used = outputBufferBytes(node, client);
  let hardBytes = limit.hardBytes;
  // A replica hard limit below the backlog would drop replicas that a partial resync just let in.
  if (klass === "slave" && hardBytes > 0 && hardBytes < node.config["repl-backlog-size"]) hardBytes = node.config["repl-backlog-size"];
  const hard = hardBytes > 0 && used >= hardBytes;
  let soft = limit.softBytes > 0 && used >= limit.softBytes;
  const nowSec = node.unixSec();
  if (soft) {
    if (client.obufSoftLimitSinceSec === 0) {
      client.obufSoftLimitSinceSec = nowSec;
      soft = false;
    } else if (nowSec - client.obufSoftLimitSinceSec <= limit.softSeconds) {
      soft = false;
    }
  } else {
    client.obufSoftLimitSinceSec = 0;
  }
  if (!hard && !soft) return { over: false };
  const setting = `client-output-buffer-limit ${klass} ${limit.hardBytes} ${limit.softBytes} ${limit.softSeconds}`;
  const why = hard
    ? `its output buffer (${used} bytes) reached the hard limit of ${hardBytes} bytes (${setting})`
    : `its output buffer (${used} bytes) stayed over the soft limit of ${limit.softBytes} bytes for more than ${limit.softSeconds} s (${setting})`;
  return { over: true, usedBytes: used, why };
}

/**
 * closeClientOnOutputBufferLimitReached (async): a client over its output limits is closed now,
 * its unsent output dropped (redis writes nothing more to a client to be closed ASAP). Returns
 * true when it was.
 */
export function closeIfOutputOverLimit(node: RedisNode, client: Client): boolean {
  if (!node.clients.has(client.conn)) return false;
  if (client.out.length === 0 && client.kind !== "replica") return false;
  const check = outputBufferOverLimit(node, client);
  if (!check.over) return false;
  const who = client.kind === "replica" ? `replica ${node.replication.replicaName?.(client) ?? client.peer}` : `client ${client.peer}`;
  node.trace({
    kind: "warning",
    code: "client-output-buffer-limit",
    message: `${who} disconnected: ${check.why}. Client ${clientInfoLine(node, client)} scheduled to be closed ASAP for overcoming of output buffer limits.`,
  });
  // CLIENT_CLOSE_ASAP: what it has not been sent yet is dropped, never written.
  node.freeClient(client, true);
  return true;
}

/**
 * After a client's input was processed or a large reply written: its output limits, then the
 * memory-wide limits. Returns false when the client is gone.
 */
export function checkClientMemory(node: RedisNode, client: Client): boolean {
  if (!node.clients.has(client.conn)) return false;
  if (closeIfOutputOverLimit(node, client)) return false;
  return node.memory.afterClientGrew(client);
}

/** CLIENT LIST's buffer fields, from `qbuf` to `tot-mem`. */
export function clientBufferFields(node: RedisNode, client: Client): string {
  const parser = client.parser;
  return (
    `qbuf=${parser.bufferedLength} qbuf-free=${Math.max(0, parser.memoryBytes - parser.bufferedLength)} argv-mem=${parser.pendingArgBytes} multi-mem=0 ` +
    `rbs=1024 rbp=0 obl=0 oll=${client.out.blockCount} omem=${outputBufferBytes(node, client)} tot-mem=${clientMemoryBytes(node, client)}`
  );
}
