/**
 * ssdb.conf: SSDB's tab-indented, nested config file (`src/util/config.cpp`), the settings an SSDB
 * node boots from, and the lab's writer for it.
 *
 * Format: one `key: value` (or `key = value`) per line; a child is indented by one more TAB than its
 * parent; `#` starts a comment line. Settings are named by their path with dots
 * (`replication.binlog.capacity`). `replication.slaveof` may appear several times, one per master.
 */

/** One line of the file as a tree node. */
export interface ConfNode {
  readonly key: string;
  readonly value: string;
  readonly children: ConfNode[];
}

export type ConfParse = { readonly ok: true; readonly root: ConfNode } | { readonly ok: false; readonly line: number; readonly message: string };

/** Parses ssdb.conf as ssdb-server does (`Config::load`). */
export function parseSsdbConf(text: string): ConfParse {
  const root: ConfNode = { key: "root", value: "", children: [] };
  // The chain of open parents: stack[d] is the node at depth d (root at 0).
  const stack: ConfNode[] = [root];
  let lastIndent = 0;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, "");
    if (raw.trim().length === 0) continue;
    let indent = 0;
    while (raw[indent] === "\t") indent++;
    const body = raw.slice(indent);
    if (body.startsWith("#")) continue;
    if (indent > lastIndent + 1) return { ok: false, line: i + 1, message: "invalid indent" };
    if (/^\s/.test(body)) return { ok: false, line: i + 1, message: `unexpected whitespace char` };
    const sep = body.search(/[:=]/);
    if (sep < 0) return { ok: false, line: i + 1, message: "expecting ':' or '='" };
    const node: ConfNode = { key: body.slice(0, sep).trim(), value: body.slice(sep + 1).trim(), children: [] };
    // The parent is the node one level up from this indent (the root for a first indented line).
    const depth = Math.min(indent, stack.length - 1);
    stack[depth]!.children.push(node);
    stack.length = depth + 1;
    stack.push(node);
    lastIndent = indent;
  }
  return { ok: true, root };
}

/** The first node at a dotted path (`get("replication.binlog.capacity")`). */
export function confGet(root: ConfNode, path: string): ConfNode | undefined {
  let node: ConfNode | undefined = root;
  for (const part of path.split(".")) {
    node = node?.children.find((c) => c.key === part);
    if (node === undefined) return undefined;
  }
  return node;
}

/** `get_num`: the leading integer of the value, 0 when absent or not a number (atoi). */
export function confNum(root: ConfNode, path: string): number {
  const value = confGet(root, path)?.value ?? "";
  const m = /^\s*([+-]?\d+)/.exec(value);
  return m ? Number(m[1]) : 0;
}

export function confStr(root: ConfNode, path: string): string {
  return confGet(root, path)?.value ?? "";
}

/** How a master copies a snapshot to a slave: upstream 1.9.x, or the pinned snapshot of seed 002. */
export type CopyMode = "upstream" | "snapshot";

/** One `replication.slaveof` block. */
export interface SlaveOfConf {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly type: "sync" | "mirror";
  readonly auth: string;
  /** Seconds without data before the slave reconnects (`recv_timeout`, default 30). */
  readonly recvTimeoutSec: number;
}

/** What an SSDB node reads from its config at start. */
export interface SsdbSettings {
  readonly binlogEnabled: boolean;
  readonly binlogCapacity: number;
  /** MB/s, -1 (or any value <= 0) unlimited. */
  readonly syncSpeed: number;
  readonly copyMode: CopyMode;
  readonly readonly: boolean;
  readonly slaveOf: readonly SlaveOfConf[];
}

const DEFAULT_RECV_TIMEOUT_SEC = 30;

/** The settings of a parsed file, with ssdb-server's defaults (`Options::load`, `SSDBServer`). */
export function settingsOf(root: ConfNode, defaultCapacity: number): SsdbSettings {
  const capacity = confNum(root, "replication.binlog.capacity");
  const slaveOf: SlaveOfConf[] = [];
  for (const child of confGet(root, "replication")?.children ?? []) {
    if (child.key !== "slaveof") continue;
    const sub = { key: "x", value: "", children: [child] };
    const host = confStr(sub, "slaveof.ip") || confStr(sub, "slaveof.host");
    const port = confNum(sub, "slaveof.port");
    // ssdb-server skips a block without an address or with a bad port.
    if (host === "" || port <= 0 || port > 65535) continue;
    const recv = confNum(sub, "slaveof.recv_timeout");
    slaveOf.push({
      id: confStr(sub, "slaveof.id"),
      host,
      port,
      type: confStr(sub, "slaveof.type") === "mirror" ? "mirror" : "sync",
      auth: confStr(sub, "slaveof.auth"),
      recvTimeoutSec: recv > 0 ? recv : DEFAULT_RECV_TIMEOUT_SEC,
    });
  }
  return {
    binlogEnabled: confStr(root, "replication.binlog").toLowerCase() === "yes",
    binlogCapacity: capacity > 0 ? capacity : defaultCapacity,
    syncSpeed: confNum(root, "replication.sync_speed"),
    copyMode: confStr(root, "replication.copy") === "snapshot" ? "snapshot" : "upstream",
    readonly: confStr(root, "server.readonly") === "yes",
    slaveOf,
  };
}

/** Settings a new node may be given by name, with how each is checked. */
const SETTABLE: Readonly<Record<string, (value: string) => string | null>> = {
  "replication.binlog": (v) => (v === "yes" || v === "no" ? null : "must be yes or no"),
  "replication.binlog.capacity": (v) => (/^\d+$/.test(v) && Number(v) > 0 ? null : "must be a positive number of records"),
  "replication.sync_speed": (v) => (/^-?\d+$/.test(v) ? null : "must be a whole number of MB/s (-1: no limit)"),
  "replication.copy": (v) => (v === "upstream" || v === "snapshot" ? null : "must be upstream or snapshot"),
  "replication.slaveof.id": () => null,
  "replication.slaveof.type": (v) => (v === "sync" || v === "mirror" ? null : "must be sync or mirror"),
  "replication.slaveof.host": (v) => (v.length > 0 && !/\s/.test(v) ? null : "must be a host name or address"),
  "replication.slaveof.ip": (v) => (v.length > 0 && !/\s/.test(v) ? null : "must be a host name or address"),
  "replication.slaveof.port": (v) => (/^\d+$/.test(v) && Number(v) > 0 && Number(v) <= 65535 ? null : "must be a port number"),
  "replication.slaveof.auth": () => null,
  "replication.slaveof.recv_timeout": (v) => (/^\d+$/.test(v) ? null : "must be a number of seconds"),
  "server.readonly": (v) => (v === "yes" || v === "no" ? null : "must be yes or no"),
};

/** The settable names, for error messages and the UI. */
export const SSDB_SETTING_NAMES = Object.keys(SETTABLE);

/**
 * A new node's ssdb.conf: the layout of the shipped ssdb.conf (and of the fixture's template),
 * with the settings given by dotted name. The address is the lab's (the process listens where its
 * host is), so the file names no port.
 */
export function buildSsdbConf(settings: Readonly<Record<string, string>>): { readonly text: string } | { readonly error: string } {
  for (const [name, value] of Object.entries(settings)) {
    const check = SETTABLE[name];
    if (check === undefined) return { error: `unknown ssdb.conf setting ${JSON.stringify(name)} (settable: ${SSDB_SETTING_NAMES.join(", ")})` };
    const problem = check(value.trim());
    if (problem !== null) return { error: `${name} ${problem}` };
  }
  const s = (name: string): string | undefined => settings[name]?.trim();
  const lines = ["# ssdb-server config", "# MUST indent by TAB!", "", "work_dir = ./var", "pidfile = ./var/ssdb.pid", "", "server:", "\tip: 127.0.0.1"];
  if (s("server.readonly") !== undefined) lines.push(`\treadonly: ${s("server.readonly")}`);
  lines.push("", "replication:", `\tbinlog: ${s("replication.binlog") ?? "yes"}`);
  if (s("replication.binlog.capacity") !== undefined) lines.push(`\t\tcapacity: ${s("replication.binlog.capacity")}`);
  lines.push("\t# Limit sync speed to *MB/s, -1: no limit", `\tsync_speed: ${s("replication.sync_speed") ?? "-1"}`);
  lines.push("\t# lab: how this node copies to its slaves: upstream (ssdb 1.9.8) or snapshot (seed 002)", `\tcopy: ${s("replication.copy") ?? "upstream"}`);
  const host = s("replication.slaveof.host") ?? s("replication.slaveof.ip");
  const port = s("replication.slaveof.port");
  if (host !== undefined || port !== undefined) {
    if (host === undefined || port === undefined) return { error: "replication.slaveof needs both host and port" };
    lines.push("\tslaveof:");
    if (s("replication.slaveof.id") !== undefined) lines.push(`\t\tid: ${s("replication.slaveof.id")}`);
    lines.push(`\t\ttype: ${s("replication.slaveof.type") ?? "sync"}`, `\t\thost: ${host}`, `\t\tport: ${port}`);
    if (s("replication.slaveof.auth") !== undefined) lines.push(`\t\tauth: ${s("replication.slaveof.auth")}`);
    if (s("replication.slaveof.recv_timeout") !== undefined) lines.push(`\t\trecv_timeout: ${s("replication.slaveof.recv_timeout")}`);
  }
  lines.push("", "logger:", "\tlevel: debug", "\toutput: log.txt", "", "leveldb:", "\tcache_size: 500", "\twrite_buffer_size: 64", "\tcompaction_speed: 1000", "\tcompression: yes", "");
  return { text: lines.join("\n") };
}

/**
 * Rewrites the `replication.slaveof` blocks of a config file: all are removed, and one
 * `type: sync` block for `master` is added (none for null). Everything else is kept as written.
 */
export function withSlaveOf(text: string, master: { readonly host: string; readonly port: number } | null): string {
  const out: string[] = [];
  let inReplication = false;
  let skipping = false;
  /** Where the replication section ends in `out` (-1: not seen yet). */
  let insertAt = -1;
  for (const line of text.split("\n")) {
    const indent = /^\t*/.exec(line)![0].length;
    const body = line.slice(indent);
    const content = body.trim().length > 0 && !body.startsWith("#");
    if (content && indent === 0) {
      if (inReplication && insertAt < 0) insertAt = out.length;
      inReplication = /^replication\s*[:=]/.test(body);
      skipping = false;
    } else if (content && inReplication && indent === 1) {
      skipping = /^slaveof\s*[:=]/.test(body);
    }
    // A slaveof block is its line and everything indented under it (comments included).
    if (skipping && indent >= 1) continue;
    out.push(line);
  }
  if (inReplication && insertAt < 0) insertAt = out.length;
  if (master === null) return out.join("\n");
  const block = ["\tslaveof:", "\t\ttype: sync", `\t\thost: ${master.host}`, `\t\tport: ${master.port}`];
  if (insertAt < 0) {
    out.push("", "replication:", ...block);
    return out.join("\n");
  }
  // Before the blank lines that end the replication section.
  let at = insertAt;
  while (at > 0 && out[at - 1]!.trim().length === 0) at--;
  out.splice(at, 0, ...block);
  return out.join("\n");
}
