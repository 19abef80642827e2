/**
 * Turns what legacy servers print into fixture values that do not depend on the run: ids become
 * equality classes, ports become node names, clocks become placeholders. Everything else stays as
 * printed, in printed order.
 */
import { infoEntries, type Reply } from "./legacy-servers.ts";
import type { LegacyBackend } from "./legacy-backend.ts";
import type { LegacyCheckpoint, LegacyScenarioRecord, NodeObservation } from "./legacy-fixture.ts";

/** The words of the normalization, stored in each fixture so a reader knows what was replaced. */
export const NORMALIZATION: readonly string[] = [
  "A 40-hex id (run_id, master_replid, an id in a reply or handshake) is an equality class id1, id2... numbered by first appearance within one scenario or capture; forty zeros are 'zero'.",
  "A node's port is written <name> (e.g. master_port:<A>, port=<B> in slave lines, REPLCONF listening-port <B>).",
  "master_last_io_seconds_ago, master_sync_last_io_seconds_ago and lag= are <seconds> (master_last_io_seconds_ago -1 kept as printed).",
  "master_link_down_since_seconds is <seconds>, or <unixtime> when the link was never up (the server prints now - 0).",
  "master_sync_left_bytes / master_sync_total_bytes / master_sync_read_bytes are <bytes>; avg_ttl in INFO keyspace is <ms> when not 0.",
  "RDB payloads are '<RDB n bytes MAGIC>'; aux ctime is <unixtime>, used-mem <bytes>.",
];

const ID = /\b[0-9a-f]{40}\b/g;

/** Equality classes for ids, shared by everything one scenario or capture observes. */
export class IdClasses {
  private readonly classes = new Map<string, string>();

  of(id: string): string {
    if (/^0{40}$/.test(id)) return "zero";
    let cls = this.classes.get(id);
    if (cls === undefined) {
      cls = `id${this.classes.size + 1}`;
      this.classes.set(id, cls);
    }
    return cls;
  }

  /** Replaces every 40-hex id inside `text`. */
  inText(text: string): string {
    return text.replace(ID, (id) => this.of(id));
  }
}

/** Replaces whole-word node ports in `text` by `<name>`. */
export function namePorts(text: string, cluster: LegacyBackend): string {
  return text.replace(/\b\d{4,5}\b/g, (digits) => {
    const name = cluster.nameOfPort(Number(digits));
    return name === undefined ? digits : `<${name}>`;
  });
}

const SECONDS_FIELDS = new Set(["master_last_io_seconds_ago", "master_sync_last_io_seconds_ago"]);
const BYTES_FIELDS = new Set(["master_sync_left_bytes", "master_sync_total_bytes", "master_sync_read_bytes"]);
/** A `master_link_down_since_seconds` this large is "now minus the epoch": the link was never up. */
const NEVER_UP_SECONDS = 1_000_000_000;

function normalizeReplicationValue(field: string, value: string, ids: IdClasses, cluster: LegacyBackend): string {
  if (SECONDS_FIELDS.has(field)) return value === "-1" ? value : "<seconds>";
  if (BYTES_FIELDS.has(field)) return "<bytes>";
  if (field === "master_link_down_since_seconds") return Number(value) > NEVER_UP_SECONDS ? "<unixtime>" : "<seconds>";
  if (field === "master_port") return namePorts(value, cluster);
  if (/^slave\d+$/.test(field)) {
    // 2.6 prints ip,port,state; 2.8 on print ip=,port=,state=,offset=,lag=.
    const withPort = value.includes("=")
      ? value.replace(/port=(\d+)/, (_, port: string) => `port=${namePorts(port, cluster)}`)
      : value.replace(/^([^,]*),(\d+),/, (_, ip: string, port: string) => `${ip},${namePorts(port, cluster)},`);
    return withPort.replace(/lag=\d+/, "lag=<seconds>");
  }
  return ids.inText(value);
}

/** A reply as one line: `+OK`, `-ERR ...`, `:3`, `"v1"`, `(nil)`, `[a, b]`. */
export function replyText(reply: Reply): string {
  switch (reply.kind) {
    case "simple":
      return `+${reply.value}`;
    case "error":
      return `-${reply.message}`;
    case "integer":
      return `:${reply.value}`;
    case "bulk":
      return reply.value === null ? "(nil)" : JSON.stringify(reply.value);
    case "array":
      return reply.items === null ? "(nil array)" : `[${reply.items.map(replyText).join(", ")}]`;
  }
}

const STATS_FIELDS = new Set(["sync_full", "sync_partial_ok", "sync_partial_err"]);

/** Records one scenario's checkpoints and replies against a cluster. */
export class ScenarioObserver {
  readonly ids = new IdClasses();
  private readonly checkpoints: LegacyCheckpoint[] = [];
  private readonly replies: string[] = [];

  constructor(private readonly cluster: LegacyBackend) {}

  async observe(name: string): Promise<NodeObservation> {
    const info = async (section: string): Promise<[string, string][]> => infoEntries(await this.cluster.command(name, "INFO", section));
    // The run id gets its class first, so classes number in the order a reader meets them.
    const runId = this.ids.of((await info("server")).find(([field]) => field === "run_id")?.[1] ?? "");
    const replication: Record<string, string> = {};
    for (const [field, value] of await info("replication")) replication[field] = normalizeReplicationValue(field, value, this.ids, this.cluster);
    const stats: Record<string, string> = {};
    for (const [field, value] of await info("stats")) if (STATS_FIELDS.has(field)) stats[field] = value;
    const keyspace: Record<string, string> = {};
    for (const [field, value] of await info("keyspace")) keyspace[field] = value.replace(/avg_ttl=[1-9]\d*/, "avg_ttl=<ms>");
    const dbsize = await this.cluster.command(name, "DBSIZE");
    if (dbsize.kind !== "integer") throw new Error(`DBSIZE answered ${replyText(dbsize)}`);
    return { run_id: runId, replication, stats, keyspace, dbsize: dbsize.value };
  }

  /** Observes `names` (default: every node that is up) under `label`. */
  async checkpoint(label: string, names: readonly string[] = this.cluster.names().filter((n) => this.cluster.isUp(n))): Promise<void> {
    const nodes: Record<string, NodeObservation> = {};
    for (const name of names) nodes[name] = await this.observe(name);
    this.checkpoints.push({ label, nodes });
  }

  /** Runs a command and records it with its reply; `shownArgv` replaces argv in the record (for addresses). */
  async reply(name: string, argv: readonly string[], shownArgv: readonly string[] = argv): Promise<Reply> {
    const reply = await this.cluster.command(name, ...argv);
    this.record(name, shownArgv, reply);
    return reply;
  }

  /** Records a command run some other way (SLAVEOF through the cluster, which tracks the master). */
  record(name: string, argv: readonly string[], reply: Reply): void {
    const shown = argv.map((arg) => namePorts(arg, this.cluster)).join(" ");
    this.replies.push(`${name} ${shown} -> ${this.ids.inText(namePorts(replyText(reply), this.cluster))}`);
  }

  result(description: string): LegacyScenarioRecord {
    return { description, checkpoints: this.checkpoints, replies: this.replies };
  }
}
