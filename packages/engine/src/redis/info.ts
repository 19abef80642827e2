/**
 * INFO rendering (server.c genRedisInfoString) for the sections the lab models: server, clients,
 * memory, persistence, stats, replication, commandstats, errorstats, keyspace. Field order and names follow 7.0.15; the
 * replication section is the version's own, and the node's dialect drops what older versions lack.
 */
import type { RedisNode } from "./server.ts";
import { loadingInfoFields } from "./loading.ts";

const DEFAULT_SECTIONS = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "errorstats", "keyspace"];
/** What "all" and "everything" add to the default sections (genRedisInfoString). */
const ALL_ONLY_SECTIONS = ["commandstats"];
/** Every section, in the order redis prints them. */
const SECTION_ORDER = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "commandstats", "errorstats", "keyspace"];

/** Renders INFO for the requested sections ("default", "all", "everything" or names). */
export function renderInfo(node: RedisNode, requested: readonly string[]): string {
  const wanted = new Set<string>();
  if (requested.length === 0) DEFAULT_SECTIONS.forEach((s) => wanted.add(s));
  for (const name of requested.map((s) => s.toLowerCase())) {
    if (name === "default") DEFAULT_SECTIONS.forEach((s) => wanted.add(s));
    else if (name === "all" || name === "everything") [...DEFAULT_SECTIONS, ...ALL_ONLY_SECTIONS].forEach((s) => wanted.add(s));
    else wanted.add(name);
  }
  const parts: string[] = [];
  for (const section of SECTION_ORDER) {
    if (!wanted.has(section)) continue;
    parts.push(renderSection(node, section));
  }
  return parts.join("\r\n");
}

/** `cmdstat_<name>` lines: commands that were called, rejected or failed; subcommands as `config|get`. */
function renderCommandStats(node: RedisNode): string {
  const out: [string, string][] = [];
  for (const [name, stat] of node.commandStats) {
    if (stat.calls === 0 && stat.rejected === 0 && stat.failed === 0) continue;
    // Commands take no virtual time, so usec is 0.
    out.push([`cmdstat_${name}`, `calls=${stat.calls},usec=0,usec_per_call=0.00,rejected_calls=${stat.rejected},failed_calls=${stat.failed}`]);
  }
  return lines("Commandstats", out);
}

function renderSection(node: RedisNode, section: string): string {
  switch (section) {
    case "commandstats":
      return renderCommandStats(node);
    case "errorstats":
      return lines(
        "Errorstats",
        [...node.errorStats].map(([code, count]) => [`errorstat_${code}`, `count=${count}`]),
      );
    case "server":
      return lines("Server", [
        ["redis_version", node.versionString],
        ["redis_git_sha1", "00000000"],
        ["redis_git_dirty", "0"],
        ["redis_build_id", "replica-lab"],
        ["redis_mode", "standalone"],
        ["os", "Replica Lab simulated host"],
        ["arch_bits", "64"],
        ["monotonic_clock", "virtual"],
        ["multiplexing_api", "sim"],
        ["process_id", node.pid],
        ["process_supervised", "no"],
        ["run_id", node.runId],
        ["tcp_port", node.port],
        ["server_time_usec", node.unixMs() * 1000],
        ["uptime_in_seconds", node.uptimeSec()],
        ["uptime_in_days", Math.floor(node.uptimeSec() / 86400)],
        ["hz", node.config.hz],
        ["configured_hz", node.config.hz],
        ["lru_clock", node.unixSec() & 0xffffff],
        ["executable", "/usr/bin/redis-server"],
        ["config_file", node.configFile === null ? "" : `/etc/redis/${node.configFile}`],
        ["io_threads_active", "0"],
      ]);
    case "clients": {
      let normal = 0;
      let blocked = 0;
      let timed = 0;
      for (const client of node.clients.values()) {
        if (client.kind === "normal") normal++;
        // Only a client blocked with a timeout sits in redis's timeout table (WAIT 1 0 does not).
        if (client.blockedWait) {
          blocked++;
          if (client.blockedWait.deadlineMs !== Infinity) timed++;
        }
        if (client.blocked) {
          blocked++;
          if (client.blocked.deadlineMs !== 0) timed++;
        }
      }
      return lines("Clients", [
        ["connected_clients", normal],
        ["cluster_connections", 0],
        ["maxclients", node.config.maxclients],
        ["client_recent_max_input_buffer", 0],
        ["client_recent_max_output_buffer", 0],
        ["blocked_clients", blocked],
        ["tracking_clients", 0],
        ["clients_in_timeout_table", timed],
      ]);
    }
    case "memory": {
      const memory = node.memory;
      const used = memory.usedBytes();
      const maxmemory = node.config.maxmemory;
      return lines("Memory", [
        ["used_memory", used],
        ["used_memory_human", humanBytes(used)],
        ["used_memory_peak", used],
        ["used_memory_peak_human", humanBytes(used)],
        ["used_memory_dataset", node.keyspace.memoryBytes],
        ["maxmemory", maxmemory],
        ["maxmemory_human", humanBytes(maxmemory)],
        ["maxmemory_policy", node.config["maxmemory-policy"]],
        // The lab counts bytes by its own model, not jemalloc's size classes (see MEMORY USAGE).
        ["mem_allocator", "libc"],
        ["mem_not_counted_for_evict", memory.notCountedBytes()],
        ["mem_replication_backlog", node.replication.memoryBytes()],
        ["mem_clients_slaves", memory.replicaClientsBytes],
        ["mem_clients_normal", memory.normalClientsBytes],
      ]);
    }
    case "persistence":
      return lines("Persistence", [
        ["loading", node.loading !== null && !node.loading.async ? 1 : 0],
        ["async_loading", node.loading?.async === true ? 1 : 0],
        ["rdb_changes_since_last_save", node.dirty],
        ["rdb_bgsave_in_progress", node.replication.rdbChildInProgress?.() === true ? 1 : 0],
        ["rdb_last_save_time", node.lastSaveUnixSec],
        ["rdb_last_bgsave_status", "ok"],
        ["rdb_last_load_keys_expired", node.lastLoad.keysExpired],
        ["rdb_last_load_keys_loaded", node.lastLoad.keysLoaded],
        // The lab's own field: keys of types it does not model yet, skipped by the last load.
        ["lab_rdb_last_load_keys_unsupported", node.lastLoad.keysUnsupported],
        ["aof_enabled", 0],
        ...(node.loading !== null ? loadingInfoFields(node.loading, node.unixSec()) : []),
      ]);
    case "stats": {
      const s = node.stats;
      return lines("Stats", [
        ["total_connections_received", s.totalConnectionsReceived],
        ["total_commands_processed", s.totalCommandsProcessed],
        ["instantaneous_ops_per_sec", 0],
        ["total_net_input_bytes", s.netInputBytes],
        ["total_net_output_bytes", s.netOutputBytes],
        ["total_net_repl_input_bytes", s.netReplInputBytes],
        ["total_net_repl_output_bytes", s.netReplOutputBytes],
        ["rejected_connections", s.rejectedConnections],
        ...(node.dialect.syncCounters
          ? ([
              ["sync_full", s.syncFull],
              ["sync_partial_ok", s.syncPartialOk],
              ["sync_partial_err", s.syncPartialErr],
            ] as const)
          : []),
        ["expired_keys", s.expiredKeys],
        ["evicted_keys", node.memory.evictedKeys],
        ["evicted_clients", node.memory.evictedClients],
        ["keyspace_hits", 0],
        ["keyspace_misses", 0],
        ["pubsub_channels", node.pubsub.channels.size],
        ["pubsub_patterns", node.pubsub.patterns.size],
        // Sharded Pub/Sub came with 7.0.
        ...(node.commands.lookup("ssubscribe") !== undefined ? ([["pubsubshard_channels", node.pubsub.shardChannels.size]] as const) : []),
        ["unexpected_error_replies", s.unexpectedErrorReplies],
        ["total_error_replies", s.totalErrorReplies],
      ]);
    }
    case "replication":
      return lines("Replication", node.replication.infoFields());
    case "cpu":
      return lines("CPU", [
        ["used_cpu_sys", "0.000000"],
        ["used_cpu_user", "0.000000"],
      ]);
    case "keyspace": {
      const fields: [string, string][] = [];
      const now = node.unixMs();
      for (const db of node.keyspace.dbs) {
        if (db.size === 0) continue;
        fields.push([`db${db.id}`, `keys=${db.size},expires=${db.expires.size},avg_ttl=${node.isReplica ? 0 : averageTtlMs(db.expires, now)}`]);
      }
      return lines("Keyspace", fields);
    }
    default:
      return "";
  }
}

/** Keys activeExpireCycle samples per round (ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP). */
const TTL_SAMPLE = 20;

/**
 * `avg_ttl`: redis keeps a running estimate from the keys activeExpireCycle samples, which runs on
 * masters only, so a replica prints 0. The lab averages the remaining TTL of the first keys with
 * one (an O(1) stand-in for the estimate; 0 when none is left).
 */
function averageTtlMs(expires: ReadonlyMap<string, number>, nowMs: number): number {
  let total = 0;
  let count = 0;
  for (const at of expires.values()) {
    if (count === TTL_SAMPLE) break;
    if (at > nowMs) {
      total += at - nowMs;
      count++;
    }
  }
  return count === 0 ? 0 : Math.round(total / count);
}

/** One INFO section: its title line, then `name:value` lines. */
export function lines(title: string, fields: readonly (readonly [string, string | number])[]): string {
  let out = `# ${title}\r\n`;
  for (const [name, value] of fields) out += `${name}:${value}\r\n`;
  return out;
}

/** bytesToHuman as INFO prints it. */
export function humanBytes(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(2)}K`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(2)}M`;
  return `${(n / 1024 ** 3).toFixed(2)}G`;
}
