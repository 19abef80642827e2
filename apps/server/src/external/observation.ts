/**
 * An external server's INFO (sections server, replication, stats, keyspace), read into the figures
 * the canvas shows. Pure: the poller feeds it text, tests feed it recorded INFO.
 */
import type { ExternalObservation, ExternalReplicaView } from "@replica-lab/protocol";

/** The INFO sections one poll asks for (redis 7.0 takes several in one command). */
export const OBSERVED_SECTIONS = ["server", "replication", "stats", "keyspace"] as const;

/** `slave<i>:ip=...,port=...,state=...,offset=...,lag=...` into a replica entry. */
function parseReplicaLine(value: string): ExternalReplicaView | null {
  const fields = new Map<string, string>();
  for (const part of value.split(",")) {
    const at = part.indexOf("=");
    if (at > 0) fields.set(part.slice(0, at), part.slice(at + 1));
  }
  const ip = fields.get("ip");
  const port = fields.get("port");
  if (ip === undefined || port === undefined) return null;
  return { address: `${ip}:${port}`, state: fields.get("state") ?? "", ackOffset: integer(fields.get("offset"), 0), lagSec: integer(fields.get("lag"), 0) };
}

function integer(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  return Number.isFinite(n) ? n : fallback;
}

/** Reads INFO text; null when it is not a redis INFO reply (no role line). */
export function parseObservation(text: string): ExternalObservation | null {
  const fields = new Map<string, string>();
  const replicas: ExternalReplicaView[] = [];
  let keys = 0;
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "" || line.startsWith("#")) continue;
    const at = line.indexOf(":");
    if (at <= 0) continue;
    const name = line.slice(0, at);
    const value = line.slice(at + 1);
    if (/^slave\d+$/.test(name)) {
      const replica = parseReplicaLine(value);
      if (replica) replicas.push(replica);
    } else if (/^db\d+$/.test(name)) {
      keys += integer(/(?:^|,)keys=(\d+)/.exec(value)?.[1], 0);
    } else {
      fields.set(name, value);
    }
  }
  const role = fields.get("role");
  if (role !== "master" && role !== "slave") return null;
  const isReplica = role === "slave";
  const masterHost = fields.get("master_host");
  const masterPort = fields.get("master_port");
  const link = fields.get("master_link_status");
  return {
    version: fields.get("redis_version") ?? "",
    runId: fields.get("run_id") ?? "",
    role: isReplica ? "replica" : "master",
    masterAddress: isReplica && masterHost !== undefined && masterPort !== undefined ? `${masterHost}:${masterPort}` : null,
    masterLinkStatus: isReplica ? (link === "up" ? "up" : "down") : null,
    replid: fields.get("master_replid") ?? "",
    replid2: fields.get("master_replid2") ?? "",
    masterReplOffset: integer(fields.get("master_repl_offset"), 0),
    secondReplOffset: integer(fields.get("second_repl_offset"), -1),
    replicaOffset: isReplica ? integer(fields.get("slave_repl_offset"), 0) : null,
    connectedReplicas: integer(fields.get("connected_slaves"), replicas.length),
    replicas,
    backlogActive: fields.get("repl_backlog_active") === "1",
    backlogFirstByteOffset: integer(fields.get("repl_backlog_first_byte_offset"), 0),
    backlogHistlen: integer(fields.get("repl_backlog_histlen"), 0),
    keys,
    syncFull: integer(fields.get("sync_full"), 0),
    syncPartialOk: integer(fields.get("sync_partial_ok"), 0),
    syncPartialErr: integer(fields.get("sync_partial_err"), 0),
  };
}
