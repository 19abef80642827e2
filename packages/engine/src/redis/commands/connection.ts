/**
 * Connection commands: PING, ECHO, SELECT, AUTH, HELLO, QUIT, CLIENT.
 */
import { writeArrayHeader, writeBulk, writeBulkString, writeInteger, writeSimple } from "../resp/encode.ts";
import { asciiBytes, bytesToBinary } from "../../util/bytes.ts";
import { DATABASE_COUNT } from "../store/keyspace.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { CommandSpec } from "./command.ts";
import { clientBufferFields } from "../client-limits.ts";
import { ERR_NOT_INTEGER, ERR_SYNTAX, parseInt64, parseSafeInt, word, replyMapHeader, replyNullArray, replyNullBulk } from "./reply.ts";
import { unblockClient } from "../blocking.ts";

const EMPTY = new Uint8Array(0);

function pingCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  if (argv.length > 2) {
    node.replyError(c, "ERR wrong number of arguments for 'ping' command");
    return;
  }
  if (c.pubsubMode && c.resp === 2) {
    // Subscribed (RESP2): replies are arrays, so PING answers ["pong", argument or ""].
    writeArrayHeader(c.out, 2);
    writeBulkString(c.out, "pong");
    writeBulk(c.out, argv.length === 2 ? argv[1]! : EMPTY);
  } else if (argv.length === 2) writeBulk(c.out, argv[1]!);
  else writeSimple(c.out, "PONG");
}

function echoCommand(_node: RedisNode, c: Client, argv: Uint8Array[]): void {
  writeBulk(c.out, argv[1]!);
}

function selectCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const index = parseSafeInt(argv[1]!);
  if (index === undefined) {
    node.replyError(c, ERR_NOT_INTEGER);
    return;
  }
  if (index < 0 || index >= DATABASE_COUNT) {
    node.replyError(c, node.dialect.dbIndexOutOfRange);
    return;
  }
  c.db = index;
  writeSimple(c.out, "OK");
}

function checkPassword(node: RedisNode, c: Client, user: string, password: string): void {
  const required = node.config.requirepass;
  if (user !== "default" || (required !== "" && password !== required)) {
    node.replyError(c, "WRONGPASS invalid username-password pair or user is disabled.");
    return;
  }
  c.authenticated = true;
  writeSimple(c.out, "OK");
}

function authCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  if (argv.length > 3) {
    node.replyError(c, ERR_SYNTAX);
    return;
  }
  if (argv.length === 2 && node.config.requirepass === "") {
    node.replyError(c, "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
    return;
  }
  const user = argv.length === 3 ? bytesToBinary(argv[1]!) : "default";
  checkPassword(node, c, user, bytesToBinary(argv[argv.length - 1]!));
}

function helloCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  let i = 1;
  let protocol: 2 | 3 | null = null;
  if (argv.length >= 2) {
    const version = parseSafeInt(argv[1]!);
    if (version === undefined) {
      node.replyError(c, "ERR Protocol version is not an integer or out of range");
      return;
    }
    if (version !== 2 && version !== 3) {
      node.replyError(c, "NOPROTO unsupported protocol version");
      return;
    }
    protocol = version;
    i = 2;
  }
  for (; i < argv.length; i++) {
    const opt = word(argv[i]!);
    if (opt === "auth" && i + 2 < argv.length) {
      const user = bytesToBinary(argv[i + 1]!);
      const pass = bytesToBinary(argv[i + 2]!);
      if (user !== "default" || (node.config.requirepass !== "" && pass !== node.config.requirepass)) {
        node.replyError(c, "WRONGPASS invalid username-password pair or user is disabled.");
        return;
      }
      c.authenticated = true;
      i += 2;
    } else if (opt === "setname" && i + 1 < argv.length) {
      c.name = bytesToBinary(argv[i + 1]!);
      i += 1;
    } else {
      node.replyError(c, `ERR Syntax error in HELLO option '${bytesToBinary(argv[i]!)}'`);
      return;
    }
  }
  if (!c.authenticated) {
    node.replyError(c, "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
    return;
  }
  // The protocol changes before the reply, so HELLO 3 is itself answered with a RESP3 map.
  if (protocol !== null) c.resp = protocol;
  replyMapHeader(c, 7);
  writeBulkString(c.out, "server");
  writeBulkString(c.out, "redis");
  writeBulkString(c.out, "version");
  writeBulkString(c.out, node.versionString);
  writeBulkString(c.out, "proto");
  writeInteger(c.out, c.resp);
  writeBulkString(c.out, "id");
  writeInteger(c.out, c.id);
  writeBulkString(c.out, "mode");
  writeBulkString(c.out, "standalone");
  writeBulkString(c.out, "role");
  writeBulkString(c.out, node.isReplica ? "replica" : "master");
  writeBulkString(c.out, "modules");
  writeArrayHeader(c.out, 0);
}

function quitCommand(node: RedisNode, c: Client): void {
  writeSimple(c.out, "OK");
  node.closeClientAfterReply(c);
}

function clientFlags(client: Client): string {
  let flags = "";
  if (client.kind === "replica") flags += "S";
  if (client.kind === "master") flags += "M";
  if (client.pubsubMode) flags += "P";
  if (client.multi) flags += "x";
  if (client.blockedWait || client.blocked) flags += "b";
  return flags || "N";
}

/** One CLIENT LIST line, in 7.0's field order. */
export function clientInfoLine(node: RedisNode, client: Client): string {
  const age = Math.floor((node.nowMs - client.createdMs) / 1000);
  const idle = Math.floor((node.nowMs - client.lastInteractionMs) / 1000);
  const laddr = `${node.host}:${node.port}`;
  return (
    `id=${client.id} addr=${client.peer} laddr=${laddr} fd=${client.conn + 7} name=${client.name} age=${age} idle=${idle} ` +
    `flags=${clientFlags(client)} db=${client.db} sub=${client.subscriptions?.channels.size ?? 0} psub=${client.subscriptions?.patterns.length ?? 0} ssub=${client.subscriptions?.shardChannels.size ?? 0} multi=${client.multi ? client.multi.length : -1} ` +
    `${clientBufferFields(node, client)} events=r ` +
    `cmd=${client.lastCommand} user=default redir=-1 resp=${client.resp}`
  );
}

/** getClientType: a subscribed normal client is of the `pubsub` type. */
function clientTypeOf(client: Client): "normal" | "replica" | "master" | "pubsub" {
  return client.kind === "normal" && client.pubsubMode ? "pubsub" : client.kind;
}

function parseClientType(text: string): "normal" | "replica" | "master" | "pubsub" | null {
  switch (text.toLowerCase()) {
    case "normal":
      return "normal";
    case "slave":
    case "replica":
      return "replica";
    case "master":
      return "master";
    case "pubsub":
      return "pubsub";
    default:
      return null;
  }
}

function clientCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const sub = word(argv[1]!);
  switch (sub) {
    case "id":
      if (argv.length !== 2) break;
      writeInteger(c.out, c.id);
      return;
    case "getname":
      if (argv.length !== 2) break;
      if (c.name) writeBulkString(c.out, c.name);
      else replyNullBulk(c);
      return;
    case "setname": {
      if (argv.length !== 3) break;
      const name = bytesToBinary(argv[2]!);
      if (/[\s]/.test(name) || [...name].some((ch) => ch.charCodeAt(0) < 33 || ch.charCodeAt(0) > 126)) {
        node.replyError(c, "ERR Client names cannot contain spaces, newlines or special characters.");
        return;
      }
      c.name = name;
      writeSimple(c.out, "OK");
      return;
    }
    case "info":
      if (argv.length !== 2) break;
      writeBulkString(c.out, `${clientInfoLine(node, c)}\n`);
      return;
    case "list": {
      let type: string | null = null;
      let ids: Set<number> | null = null;
      if (argv.length === 4 && word(argv[2]!) === "type") {
        type = parseClientType(bytesToBinary(argv[3]!));
        if (type === null) {
          node.replyError(c, `ERR Unknown client type '${bytesToBinary(argv[3]!)}'`);
          return;
        }
      } else if (argv.length > 3 && word(argv[2]!) === "id") {
        // CLIENT LIST ID id [id ...]: ids that name no client are left out.
        ids = new Set();
        for (let j = 3; j < argv.length; j++) {
          const id = parseInt64(argv[j]!);
          if (id === undefined) {
            node.replyError(c, "ERR Invalid client ID");
            return;
          }
          ids.add(Number(id));
        }
      } else if (argv.length !== 2) {
        node.replyError(c, ERR_SYNTAX);
        return;
      }
      let text = "";
      for (const client of node.clients.values()) {
        if (type !== null && clientTypeOf(client) !== type) continue;
        if (ids !== null && !ids.has(client.id)) continue;
        text += `${clientInfoLine(node, client)}\n`;
      }
      writeBulk(c.out, asciiBytes(text));
      return;
    }
    case "kill": {
      clientKill(node, c, argv);
      return;
    }
    case "unblock":
      if (argv.length !== 3 && argv.length !== 4) break;
      clientUnblock(node, c, argv);
      return;
    case "help":
      writeArrayHeader(c.out, 1);
      writeSimple(c.out, "CLIENT <subcommand> [<arg> ...]. Subcommands: ID, INFO, LIST, KILL, GETNAME, SETNAME.");
      return;
    default:
      node.replyError(c, `ERR unknown subcommand '${bytesToBinary(argv[1]!)}'. Try CLIENT HELP.`);
      return;
  }
  node.replyError(c, `ERR wrong number of arguments for 'client|${sub}' command`);
}

/**
 * CLIENT UNBLOCK id [TIMEOUT|ERROR]: a client blocked on keys gets what its timeout would have
 * given it (a null array) or an -UNBLOCKED error, and 1; anything else 0. (A WAIT is not
 * unblocked this way in the lab: its reply belongs to the replication side.)
 */
function clientUnblock(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  let asError = false;
  if (argv.length === 4) {
    const reason = word(argv[3]!);
    if (reason === "error") asError = true;
    else if (reason !== "timeout") {
      node.replyError(c, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  }
  const id = parseInt64(argv[2]!);
  if (id === undefined) {
    node.replyError(c, ERR_NOT_INTEGER);
    return;
  }
  const target = [...node.clients.values()].find((client) => BigInt(client.id) === id);
  if (target === undefined || !target.blocked) {
    writeInteger(c.out, 0);
    return;
  }
  if (asError) node.replyError(target, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
  else replyNullArray(target);
  unblockClient(node, target);
  writeInteger(c.out, 1);
}

/** CLIENT KILL addr (old form) or CLIENT KILL <filter> <value> ... (new form, 2.8.12 on). */
function clientKill(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const { types, syntaxError } = node.dialect.clientKill;
  if (types === null && argv.length !== 3) {
    node.replyError(c, syntaxError);
    return;
  }
  if (argv.length === 3) {
    const addr = bytesToBinary(argv[2]!);
    const target = [...node.clients.values()].find((cl) => cl.peer === addr);
    if (!target) {
      node.replyError(c, "ERR No such client");
      return;
    }
    writeSimple(c.out, "OK");
    if (target === c) node.closeClientAfterReply(c);
    else node.closeClient(target);
    return;
  }
  if (argv.length % 2 !== 0) {
    node.replyError(c, ERR_SYNTAX);
    return;
  }
  let type: string | null = null;
  let id: number | null = null;
  let addr: string | null = null;
  let skipMe = true;
  for (let i = 2; i < argv.length; i += 2) {
    const opt = word(argv[i]!);
    const value = bytesToBinary(argv[i + 1]!);
    if (opt === "type") {
      type = types!.includes(value.toLowerCase()) ? parseClientType(value) : null;
      if (type === null) {
        node.replyError(c, `ERR Unknown client type '${value}'`);
        return;
      }
    } else if (opt === "id") {
      const n = parseSafeInt(argv[i + 1]!);
      if (n === undefined || n <= 0) {
        node.replyError(c, "ERR client-id should be greater than 0");
        return;
      }
      id = n;
    } else if (opt === "addr") {
      addr = value;
    } else if (opt === "skipme") {
      const v = value.toLowerCase();
      if (v !== "yes" && v !== "no") {
        node.replyError(c, ERR_SYNTAX);
        return;
      }
      skipMe = v === "yes";
    } else {
      node.replyError(c, ERR_SYNTAX);
      return;
    }
  }
  const victims: Client[] = [];
  for (const client of node.clients.values()) {
    if (type !== null && clientTypeOf(client) !== type) continue;
    if (id !== null && client.id !== id) continue;
    if (addr !== null && client.peer !== addr) continue;
    if (client === c && skipMe) continue;
    victims.push(client);
  }
  writeInteger(c.out, victims.length);
  for (const victim of victims) {
    if (victim === c) node.closeClientAfterReply(c);
    else node.closeClient(victim);
  }
}

export const connectionCommands: readonly CommandSpec[] = [
  // PING has no STALE flag in 7.0: a replica serving no stale data answers it with -MASTERDOWN.
  { name: "ping", arity: -1, flags: {}, proc: pingCommand },
  { name: "echo", arity: 2, flags: { stale: true, loading: true }, proc: echoCommand },
  { name: "select", arity: 2, flags: { stale: true, loading: true }, proc: selectCommand },
  { name: "auth", arity: -2, flags: { noAuth: true, stale: true, loading: true }, proc: authCommand },
  { name: "hello", arity: -1, flags: { noAuth: true, stale: true, loading: true }, proc: helloCommand },
  { name: "quit", arity: -1, flags: { noAuth: true, stale: true, loading: true }, proc: quitCommand },
  { name: "client", arity: -2, flags: { admin: true, stale: true, loading: true }, proc: clientCommand },
];
