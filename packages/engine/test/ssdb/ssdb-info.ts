/**
 * Parses ssdb-server's `info` reply: `ok`, `ssdb-server`, then name/value pairs, where `binlogs`
 * and each `replication` value are multi-line text (a head line, then `    name : value` lines).
 */
import type { ReplicationEntry, SsdbInfo } from "./fixture-types.ts";

/** Values of `info` that are not kept in `SsdbInfo.fields` (parsed separately, or LevelDB internals). */
const NOT_FIELDS = new Set(["binlogs", "replication", "serv_key_range", "data_key_range", "leveldb.stats"]);

/** `    name : value` lines → map (names as printed, values trimmed). */
function indentedFields(lines: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of lines) {
    const m = /^\s+(\S+)\s*:\s?(.*)$/.exec(line);
    if (m?.[1] !== undefined) fields[m[1]] = (m[2] ?? "").trim();
  }
  return fields;
}

/** Parses one `replication` value (`client ip:port` on a master, `slaveof ip:port` on a slave). */
export function parseReplicationEntry(text: string): ReplicationEntry {
  const [head = "", ...rest] = text.split("\n");
  const m = /^(client|slaveof) (\S+)$/.exec(head);
  if (!m?.[1] || m[2] === undefined) throw new Error(`unexpected replication head ${JSON.stringify(head)}`);
  return { kind: m[1] === "client" ? "client" : "slaveof", address: m[2], fields: indentedFields(rest), text };
}

/** Parses an `info` reply given as text blocks (status first). */
export function parseSsdbInfo(blocks: readonly string[]): SsdbInfo {
  if (blocks[0] !== "ok" || blocks[1] !== "ssdb-server") throw new Error(`unexpected info reply ${JSON.stringify(blocks.slice(0, 2))}`);
  const fields: Record<string, string> = {};
  const replication: ReplicationEntry[] = [];
  let binlogsText = "";
  for (let i = 2; i + 1 < blocks.length; i += 2) {
    const name = blocks[i] ?? "";
    const value = blocks[i + 1] ?? "";
    if (name === "binlogs") binlogsText = value;
    else if (name === "replication") replication.push(parseReplicationEntry(value));
    else if (!NOT_FIELDS.has(name)) fields[name] = value;
  }
  return { fields, binlogs: indentedFields(binlogsText.split("\n")), binlogsText, replication };
}
