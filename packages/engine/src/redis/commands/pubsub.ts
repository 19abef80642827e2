/**
 * Pub/Sub as redis 7.0.15 has it (pubsub.c): SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE,
 * SSUBSCRIBE, SUNSUBSCRIBE, PUBLISH, SPUBLISH, PUBSUB, and RESET (networking.c resetCommand).
 *
 * - A client with any subscription is in Pub/Sub mode (CLIENT_PUBSUB): in RESP2 it may only run
 *   (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT and RESET (processCommand refuses the rest), PING
 *   answers `["pong", arg]`, CLIENT LIST shows `P`, and its output is limited by the `pubsub` class.
 * - Confirmations and messages are 3- or 4-element arrays in RESP2 and pushes (`>`) in RESP3.
 * - PUBLISH answers how many subscriptions got the message and is always in the replication
 *   stream (forceCommandPropagation), so a replica's own subscribers get its master's messages.
 * - A channel's subscribers get a message in the order they subscribed; patterns are tried in the
 *   order they were first subscribed (redis walks a dict, whose order is its hash's).
 */
import { writeBulk, writeBulkString, writeInteger, writeSimple } from "../resp/encode.ts";
import { asciiBytes, binaryToBytes, bytesToBinary } from "../../util/bytes.ts";
import { globMatch } from "../glob.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { CommandSpec } from "./command.ts";
import { replyNullBulk } from "./reply.ts";
import { discardTransaction } from "../watch.ts";
import { checkClientMemory } from "../client-limits.ts";

/** A channel or pattern as the byte string redis compares (binary-safe). */
type Name = string;

/** The server's subscriptions (server.pubsub_channels, pubsub_patterns, pubsubshard_channels). */
export class PubSubState {
  /** Channel -> subscribers, in subscription order. */
  readonly channels = new Map<Name, Client[]>();
  /** Pattern -> subscribers, in subscription order. */
  readonly patterns = new Map<Name, Client[]>();
  /** Shard channel -> subscribers. */
  readonly shardChannels = new Map<Name, Client[]>();
}

/** A client's subscriptions (c->pubsub_channels, pubsub_patterns, pubsubshard_channels). */
export interface ClientSubscriptions {
  readonly channels: Set<Name>;
  /** A list in redis: PUNSUBSCRIBE with no argument walks it in order. */
  readonly patterns: Name[];
  readonly shardChannels: Set<Name>;
}

function subscriptionsOf(c: Client): ClientSubscriptions {
  return (c.subscriptions ??= { channels: new Set(), patterns: [], shardChannels: new Set() });
}

/** clientSubscriptionsCount: channels and patterns (shard channels apart). */
export function subscriptionCount(c: Client): number {
  const s = c.subscriptions;
  return s === null ? 0 : s.channels.size + s.patterns.length;
}

function shardCount(c: Client): number {
  return c.subscriptions?.shardChannels.size ?? 0;
}

const PUSH_3 = asciiBytes(">3\r\n");
const PUSH_4 = asciiBytes(">4\r\n");
const ARRAY_3 = asciiBytes("*3\r\n");
const ARRAY_4 = asciiBytes("*4\r\n");

function header(c: Client, n: 3 | 4): void {
  if (c.resp === 3) c.out.bytes(n === 3 ? PUSH_3 : PUSH_4);
  else c.out.bytes(n === 3 ? ARRAY_3 : ARRAY_4);
}

/** `[kind, name, count]`: a (un)subscribe confirmation; a null name when there was nothing to leave. */
function confirm(c: Client, kind: string, name: Name | null, count: number): void {
  header(c, 3);
  writeBulkString(c.out, kind);
  if (name === null) replyNullBulk(c);
  else writeBulk(c.out, binaryToBytes(name));
  writeInteger(c.out, count);
}

function addTo(map: Map<Name, Client[]>, name: Name, c: Client): void {
  const list = map.get(name);
  if (list === undefined) map.set(name, [c]);
  else list.push(c);
}

function removeFrom(map: Map<Name, Client[]>, name: Name, c: Client): void {
  const list = map.get(name);
  if (list === undefined) return;
  const i = list.indexOf(c);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(name);
}

function subscribeChannel(node: RedisNode, c: Client, channel: Name, shard: boolean): void {
  const subs = subscriptionsOf(c);
  const mine = shard ? subs.shardChannels : subs.channels;
  if (!mine.has(channel)) {
    mine.add(channel);
    addTo(shard ? node.pubsub.shardChannels : node.pubsub.channels, channel, c);
  }
  confirm(c, shard ? "ssubscribe" : "subscribe", channel, shard ? shardCount(c) : subscriptionCount(c));
}

function unsubscribeChannel(node: RedisNode, c: Client, channel: Name, notify: boolean, shard: boolean): number {
  const subs = c.subscriptions;
  const mine = subs === null ? null : shard ? subs.shardChannels : subs.channels;
  let removed = 0;
  if (mine !== null && mine.delete(channel)) {
    removeFrom(shard ? node.pubsub.shardChannels : node.pubsub.channels, channel, c);
    removed = 1;
  }
  if (notify) confirm(c, shard ? "sunsubscribe" : "unsubscribe", channel, shard ? shardCount(c) : subscriptionCount(c));
  return removed;
}

function subscribePattern(node: RedisNode, c: Client, pattern: Name): void {
  const subs = subscriptionsOf(c);
  if (!subs.patterns.includes(pattern)) {
    subs.patterns.push(pattern);
    addTo(node.pubsub.patterns, pattern, c);
  }
  confirm(c, "psubscribe", pattern, subscriptionCount(c));
}

function unsubscribePattern(node: RedisNode, c: Client, pattern: Name, notify: boolean): number {
  const subs = c.subscriptions;
  let removed = 0;
  const i = subs === null ? -1 : subs.patterns.indexOf(pattern);
  if (i >= 0) {
    subs!.patterns.splice(i, 1);
    removeFrom(node.pubsub.patterns, pattern, c);
    removed = 1;
  }
  if (notify) confirm(c, "punsubscribe", pattern, subscriptionCount(c));
  return removed;
}

function unsubscribeAllChannels(node: RedisNode, c: Client, notify: boolean, shard: boolean): void {
  const subs = c.subscriptions;
  const mine = subs === null ? [] : [...(shard ? subs.shardChannels : subs.channels)];
  let count = 0;
  for (const channel of mine) count += unsubscribeChannel(node, c, channel, notify, shard);
  if (notify && count === 0) confirm(c, shard ? "sunsubscribe" : "unsubscribe", null, shard ? shardCount(c) : subscriptionCount(c));
}

function unsubscribeAllPatterns(node: RedisNode, c: Client, notify: boolean): void {
  const mine = c.subscriptions === null ? [] : [...c.subscriptions.patterns];
  let count = 0;
  for (const pattern of mine) count += unsubscribePattern(node, c, pattern, notify);
  if (notify && count === 0) confirm(c, "punsubscribe", null, subscriptionCount(c));
}

/** Leaves Pub/Sub mode once nothing is left (the commands' last step). */
function leaveIfEmpty(c: Client): void {
  if (subscriptionCount(c) + shardCount(c) === 0) c.pubsubMode = false;
}

/** Every subscription of a client goes, silently (freeClient, RESET). */
export function unsubscribeAll(node: RedisNode, c: Client): void {
  if (c.subscriptions === null) return;
  unsubscribeAllChannels(node, c, false, false);
  unsubscribeAllChannels(node, c, false, true);
  unsubscribeAllPatterns(node, c, false);
  c.subscriptions = null;
  c.pubsubMode = false;
}

/** A message written into a subscriber's output: it goes out at the end of the step. */
function deliver(node: RedisNode, c: Client, parts: readonly Uint8Array[], bulkKind: string): void {
  header(c, (parts.length + 1) as 3 | 4);
  writeBulkString(c.out, bulkKind);
  for (const part of parts) writeBulk(c.out, part);
  node.markOutput(c);
  checkClientMemory(node, c);
}

/** pubsubPublishMessage: sends to a channel's subscribers, then to every matching pattern's; the count. */
export function publishMessage(node: RedisNode, channelBytes: Uint8Array, message: Uint8Array, shard: boolean): number {
  const channel = bytesToBinary(channelBytes);
  let receivers = 0;
  const listeners = (shard ? node.pubsub.shardChannels : node.pubsub.channels).get(channel);
  if (listeners !== undefined) {
    for (const c of [...listeners]) {
      if (!node.clients.has(c.conn)) continue;
      deliver(node, c, [channelBytes, message], shard ? "smessage" : "message");
      receivers++;
    }
  }
  if (shard) return receivers;
  for (const [pattern, clients] of [...node.pubsub.patterns]) {
    if (!globMatch(pattern, channel)) continue;
    const patternBytes = binaryToBytes(pattern);
    for (const c of [...clients]) {
      if (!node.clients.has(c.conn)) continue;
      deliver(node, c, [patternBytes, channelBytes, message], "pmessage");
      receivers++;
    }
  }
  return receivers;
}

/**
 * A client that expects one reply per command cannot subscribe (CLIENT_DENY_BLOCKING outside
 * MULTI: our master's link; scripts never get here, SUBSCRIBE is NOSCRIPT).
 */
function deniesSubscribe(node: RedisNode, c: Client, name: string, allowedInMulti: boolean): boolean {
  if (c.kind !== "master" || (allowedInMulti && c.multi !== null)) return false;
  node.replyError(c, `ERR ${name} isn't allowed for a DENY BLOCKING client`);
  return true;
}

/** SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE: each argument confirmed in turn, then Pub/Sub mode. */
function subscribing(kind: "channel" | "pattern" | "shard") {
  const name = kind === "channel" ? "SUBSCRIBE" : kind === "pattern" ? "PSUBSCRIBE" : "SSUBSCRIBE";
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    // ssubscribeCommand has no MULTI exception.
    if (deniesSubscribe(node, c, name, kind !== "shard")) return;
    for (let i = 1; i < argv.length; i++) {
      const arg = bytesToBinary(argv[i]!);
      if (kind === "pattern") subscribePattern(node, c, arg);
      else subscribeChannel(node, c, arg, kind === "shard");
    }
    c.pubsubMode = true;
  };
}

/** UNSUBSCRIBE, PUNSUBSCRIBE, SUNSUBSCRIBE: the arguments, or everything (a null confirmation if nothing). */
function unsubscribing(kind: "channel" | "pattern" | "shard") {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    if (argv.length === 1) {
      if (kind === "pattern") unsubscribeAllPatterns(node, c, true);
      else unsubscribeAllChannels(node, c, true, kind === "shard");
    } else {
      for (let i = 1; i < argv.length; i++) {
        const arg = bytesToBinary(argv[i]!);
        if (kind === "pattern") unsubscribePattern(node, c, arg, true);
        else unsubscribeChannel(node, c, arg, true, kind === "shard");
      }
    }
    leaveIfEmpty(c);
  };
}

function publishCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const receivers = publishMessage(node, argv[1]!, argv[2]!, false);
  node.forcePropagation("PUBLISH changes no data but is always in the replication stream, so a replica's subscribers get it too");
  writeInteger(c.out, receivers);
}

function spublishCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const receivers = publishMessage(node, argv[1]!, argv[2]!, true);
  node.forcePropagation("SPUBLISH changes no data but is always in the replication stream, so a replica's subscribers get it too");
  writeInteger(c.out, receivers);
}

const PUBSUB_HELP = [
  "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "CHANNELS [<pattern>]",
  "    Return the currently active channels matching a <pattern> (default: '*').",
  "NUMPAT",
  "    Return number of subscriptions to patterns.",
  "NUMSUB [<channel> ...]",
  "    Return the number of subscribers for the specified channels, excluding",
  "    pattern subscriptions(default: no channels).",
  "SHARDCHANNELS [<pattern>]",
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  "SHARDNUMSUB [<shardchannel> ...]",
  "    Return the number of subscribers for the specified shard level channel(s)",
  "HELP",
  "    Prints this help.",
];

function channelList(c: Client, argv: Uint8Array[], map: Map<Name, Client[]>): void {
  const pattern = argv.length === 3 ? bytesToBinary(argv[2]!) : null;
  const names = [...map.keys()].filter((name) => pattern === null || globMatch(pattern, name));
  c.out.byte(0x2a);
  c.out.ascii(String(names.length));
  c.out.ascii("\r\n");
  for (const name of names) writeBulk(c.out, binaryToBytes(name));
}

function numsub(c: Client, argv: Uint8Array[], map: Map<Name, Client[]>): void {
  c.out.byte(0x2a);
  c.out.ascii(String((argv.length - 2) * 2));
  c.out.ascii("\r\n");
  for (let i = 2; i < argv.length; i++) {
    writeBulk(c.out, argv[i]!);
    writeInteger(c.out, map.get(bytesToBinary(argv[i]!))?.length ?? 0);
  }
}

function pubsubHelp(_node: RedisNode, c: Client): void {
  c.out.byte(0x2a);
  c.out.ascii(String(PUBSUB_HELP.length));
  c.out.ascii("\r\n");
  for (const line of PUBSUB_HELP) writeSimple(c.out, line);
}

/** PUBSUB CHANNELS and SHARDCHANNELS take at most a pattern (pubsubCommand's own check). */
function channelsOf(shard: boolean) {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    if (argv.length > 3) {
      node.replyError(c, `ERR unknown subcommand or wrong number of arguments for '${bytesToBinary(argv[1]!)}'. Try PUBSUB HELP.`);
      return;
    }
    channelList(c, argv, shard ? node.pubsub.shardChannels : node.pubsub.channels);
  };
}

/** PUBSUB with a subcommand it does not have (7.0's container commands answer so). */
function pubsubCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  node.replyError(c, `ERR unknown subcommand '${bytesToBinary(argv[1]!).slice(0, 128)}'. Try PUBSUB HELP.`);
}

const PUBSUB_FLAGS = { stale: true, loading: true } as const;
const PUBSUB_SUBCOMMANDS: ReadonlyMap<string, CommandSpec> = new Map(
  (
    [
      { name: "channels", arity: -2, flags: PUBSUB_FLAGS, proc: channelsOf(false) },
      { name: "shardchannels", arity: -2, flags: PUBSUB_FLAGS, proc: channelsOf(true) },
      { name: "numsub", arity: -2, flags: PUBSUB_FLAGS, proc: (node, c, argv) => numsub(c, argv, node.pubsub.channels) },
      { name: "shardnumsub", arity: -2, flags: PUBSUB_FLAGS, proc: (node, c, argv) => numsub(c, argv, node.pubsub.shardChannels) },
      { name: "numpat", arity: 2, flags: PUBSUB_FLAGS, proc: (node, c) => writeInteger(c.out, node.pubsub.patterns.size) },
      { name: "help", arity: 2, flags: PUBSUB_FLAGS, proc: pubsubHelp },
    ] satisfies CommandSpec[]
  ).map((spec) => [spec.name, spec]),
);

/**
 * RESET (resetCommand, clearClientConnectionState): db 0, RESP2, no transaction or watches, no
 * subscriptions, no name, authenticated again only if the default user needs no password.
 */
function resetCommand(node: RedisNode, c: Client): void {
  if (c.kind !== "normal") {
    node.replyError(c, "ERR can only reset normal client connections");
    return;
  }
  c.db = 0;
  c.resp = 2;
  c.authenticated = node.config.requirepass === "";
  discardTransaction(c);
  unsubscribeAll(node, c);
  c.name = "";
  writeSimple(c.out, "RESET");
}

/** The commands a subscribed RESP2 client may still run (processCommand). */
export const ALLOWED_WHILE_SUBSCRIBED: ReadonlySet<string> = new Set(["ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe", "punsubscribe", "quit", "reset"]);

export const pubsubCommands: readonly CommandSpec[] = [
  { name: "subscribe", arity: -2, flags: { stale: true, loading: true }, proc: subscribing("channel") },
  { name: "unsubscribe", arity: -1, flags: { stale: true, loading: true }, proc: unsubscribing("channel") },
  { name: "psubscribe", arity: -2, flags: { stale: true, loading: true }, proc: subscribing("pattern") },
  { name: "punsubscribe", arity: -1, flags: { stale: true, loading: true }, proc: unsubscribing("pattern") },
  { name: "ssubscribe", arity: -2, flags: { stale: true, loading: true }, proc: subscribing("shard"), keys: [1, -1, 1] },
  { name: "sunsubscribe", arity: -1, flags: { stale: true, loading: true }, proc: unsubscribing("shard"), keys: [1, -1, 1] },
  { name: "publish", arity: 3, flags: { stale: true, loading: true }, proc: publishCommand },
  { name: "spublish", arity: 3, flags: { stale: true, loading: true }, proc: spublishCommand, keys: [1, 1, 1] },
  { name: "pubsub", arity: -2, flags: PUBSUB_FLAGS, proc: pubsubCommand, subcommands: PUBSUB_SUBCOMMANDS },
  { name: "reset", arity: 1, flags: { stale: true, loading: true, noAuth: true }, proc: resetCommand },
];
