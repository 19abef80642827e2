/**
 * Lessons: guided walks over a real lab, written as data (`lessons/*.json`, documented in
 * `lessons/README.md`). The server loads and checks the files, starts labs at a lesson's first
 * step and evaluates each step's checks against the engine; the web app plays them in a side
 * panel. These are the shapes both sides share: a lesson as the API serves it (its file, checked
 * and normalized) and a lab's progress through it.
 */

/** A text in every language the app speaks. */
export interface LocalizedText {
  readonly en: string;
  readonly zh: string;
}

/**
 * Something a lesson does to its lab, at set-up, on entering a step (`run`) or when the user asks
 * "do it for me" (`do`). Nodes are named by their lesson names (`"A"`). Strings in `argv` may hold
 * `{{A.port}}`, `{{A.host}}` or `{{A.address}}`, replaced by that node's address in the lab.
 */
export type LessonOperation =
  | {
      readonly op: "add-node";
      readonly name: string;
      /** A node kind of `NODE_VERSIONS` (default "7.0"). */
      readonly version?: string;
      readonly config?: Readonly<Record<string, string | number | boolean>>;
    }
  /** REPLICAOF (null: REPLICAOF NO ONE); `persist` also writes it into the node's redis.conf. */
  | { readonly op: "replicaof"; readonly node: string; readonly master: string | null; readonly persist?: boolean }
  /** A command in the node's console, as a user would type it. */
  | { readonly op: "command"; readonly node: string; readonly argv: readonly string[] }
  /** `count` SETs of `prefix1..prefixN` with values of `valueBytes` bytes, one console command each. */
  | { readonly op: "write"; readonly node: string; readonly count: number; readonly prefix?: string; readonly valueBytes?: number }
  | { readonly op: "kill"; readonly node: string }
  /** SHUTDOWN (save: SHUTDOWN SAVE / NOSAVE). */
  | { readonly op: "shutdown"; readonly node: string; readonly save?: boolean }
  | { readonly op: "restart"; readonly node: string; readonly wipe?: boolean }
  | { readonly op: "freeze"; readonly node: string }
  | { readonly op: "thaw"; readonly node: string }
  | {
      readonly op: "link";
      readonly a: string;
      readonly b: string;
      readonly partitioned?: boolean;
      readonly latencyMs?: number;
      readonly bandwidthBytesPerSec?: number;
    }
  /** Lets `ms` of virtual time pass at once (the clock's step). */
  | { readonly op: "wait"; readonly ms: number };

/**
 * The figures a field check can read, named as `INFO replication` names them where redis has a name
 * (values as INFO prints them: `role` is `master` or `slave`, flags are 0 or 1), plus the lab's own:
 * `status` (up, down, frozen), `keys` (in every db), `master` (the lesson name of the node it
 * replicates from, "" for none), `file_replicaof` (the node named by `replicaof` in its redis.conf,
 * "" for none), `repl_state` (redis's replica state machine, "" for a master) and `boots`.
 */
export const CHECK_FIELDS = [
  "role",
  "status",
  "keys",
  "master",
  "file_replicaof",
  "boots",
  "master_link_status",
  "master_sync_in_progress",
  "repl_state",
  "master_repl_offset",
  "slave_repl_offset",
  "master_replid",
  "master_replid2",
  "second_repl_offset",
  "connected_slaves",
  "repl_backlog_active",
  "repl_backlog_size",
  "repl_backlog_first_byte_offset",
  "repl_backlog_histlen",
  "slave_read_only",
  "sync_full",
  "sync_partial_ok",
  "sync_partial_err",
  "rdb_changes_since_last_save",
] as const;
export type CheckField = (typeof CHECK_FIELDS)[number];

/** A value a check compares with. */
export type CheckValue = string | number | boolean;

/** Another node's figure (the same field unless `field` says otherwise). */
export interface CheckReference {
  readonly node: string;
  readonly field?: CheckField;
}

/** How a field check compares (exactly one per check). */
export type CheckComparison =
  | { readonly kind: "equals"; readonly value: CheckValue }
  | { readonly kind: "notEquals"; readonly value: CheckValue }
  | { readonly kind: "atLeast"; readonly value: number }
  | { readonly kind: "atMost"; readonly value: number }
  | { readonly kind: "sameAs"; readonly ref: CheckReference }
  | { readonly kind: "differsFrom"; readonly ref: CheckReference };

/** Event kinds a check can look for: the engine's trace events and the lab's operator actions. */
export const CHECK_EVENTS = [
  "role",
  "replid",
  "link",
  "psync-request",
  "full-resync",
  "partial-resync",
  "rdb",
  "replica-state",
  "timeout",
  "disconnect",
  "backlog",
  "persistence",
  "warning",
  "binlog-sync",
  "node-added",
  "node-removed",
  "killed",
  "restarted",
  "frozen",
  "thawed",
  "link-changed",
  "config-file",
  "exited",
] as const;
export type CheckEvent = (typeof CHECK_EVENTS)[number];

/** What must hold before a step lets the user go on; `label` replaces the generated wording. */
export type LessonCheck = (
  | { readonly kind: "field"; readonly node: string; readonly field: CheckField; readonly compare: CheckComparison }
  | {
      readonly kind: "event";
      readonly event: CheckEvent;
      /** The node that reported it. */
      readonly node?: string;
      readonly side?: "master" | "replica";
      /** The node on the other end (by lesson name). */
      readonly peer?: string;
      /** `full-resync`: why; `warning`: its code; `persistence`/`backlog`: the action; `link`: the state. */
      readonly detail?: string;
      /** `absent`: none may have happened. Otherwise at least `atLeast` (default 1). */
      readonly absent: boolean;
      readonly atLeast: number;
      /** Counted since the step began (default) or since the lesson began. */
      readonly since: "step" | "lesson";
    }
  | { readonly kind: "key"; readonly node: string; readonly key: string; readonly db: number; readonly equals?: string; readonly exists: boolean }
  | { readonly kind: "same-data"; readonly node: string; readonly as: string }
  | { readonly kind: "typed"; readonly node: string; readonly command: string }
) & { readonly label?: LocalizedText };

/** Where a lesson's idea comes from: a seed document's section and the redis code it walks. */
export interface LessonSource {
  /** The seed document's number ("003"). */
  readonly seed: string;
  readonly section: string;
  /** Function path in redis's source the seed reads, e.g. "replicationSetMaster → replicationCacheMasterUsingMyself". */
  readonly code?: string;
  /** Where that code is (redis 7.0.15 on GitHub) or where the engine implements it. */
  readonly url?: string;
}

/** A widget a step shows beside its text. */
export type LessonWidget = "backlog-calculator";

export interface LessonStep {
  readonly id: string;
  readonly title: LocalizedText;
  readonly text: LocalizedText;
  /** Try it yourself: what the user is asked to do (the checks wait for it). */
  readonly try?: LocalizedText;
  /** Run when the step is entered. */
  readonly run: readonly LessonOperation[];
  /** What "do it for me" runs (a step with `try` has it). */
  readonly do: readonly LessonOperation[];
  readonly checks: readonly LessonCheck[];
  readonly widget?: LessonWidget;
}

/** Glossary terms a lesson shows, and at which step (the web links a figure's popover there). */
export const GLOSSARY_TERMS = ["offset", "replid", "replid2", "backlog", "lag", "repl_state", "run_id", "binlog_seq"] as const;
export type GlossaryTerm = (typeof GLOSSARY_TERMS)[number];

/** A lesson as `GET /api/lessons` lists it. */
export interface LessonSummary {
  readonly id: string;
  readonly order: number;
  readonly title: LocalizedText;
  readonly summary: LocalizedText;
  /** Node kinds the lesson's labs use. */
  readonly kinds: readonly string[];
  /** False while a kind it needs is not in this server's engine (`missingKinds`). */
  readonly available: boolean;
  readonly missingKinds: readonly string[];
  readonly stepCount: number;
  readonly sources: readonly LessonSource[];
  /** Terms the lesson shows, each with the step that shows it. */
  readonly terms: readonly { readonly term: GlossaryTerm; readonly step: string }[];
}

/** A lesson in full (`GET /api/lessons/:id`). */
export interface LessonDefinition extends LessonSummary {
  readonly setup: readonly LessonOperation[];
  readonly steps: readonly LessonStep[];
}

/** One check of the current step, evaluated on the server against the engine. */
export interface CheckStatus {
  readonly pass: boolean;
  /** What was found, as a short text ("down", "2 events", "v1"), or null when there is nothing. */
  readonly actual: string | null;
}

/** A lab's progress through its lesson (`GET /api/labs/:lab/lesson` and the step actions). */
export interface LessonProgress {
  readonly lessonId: string;
  /** The current step's index (stepCount once finished). */
  readonly step: number;
  readonly stepCount: number;
  readonly finished: boolean;
  readonly checks: readonly CheckStatus[];
  /** Every check of the current step holds (true for a step without checks). */
  readonly passed: boolean;
  /** "Do it for me" has been run on this step. */
  readonly done: boolean;
  readonly canBack: boolean;
}

/**
 * Replaces `{{A.port}}`, `{{A.host}}` and `{{A.address}}` in a lesson text or argument with node
 * A's address (`host:port`) as `addressOf` gives it; a placeholder naming no node is left as
 * written. The server fills operations with it, the web app the narration.
 */
export function fillAddresses(text: string, addressOf: (name: string) => string | undefined): string {
  return text.replace(/\{\{\s*([A-Za-z0-9_.-]+?)\.(port|host|address)\s*\}\}/g, (whole, name: string, part: string) => {
    const address = addressOf(name);
    if (address === undefined) return whole;
    const at = address.lastIndexOf(":");
    return part === "port" ? address.slice(at + 1) : part === "host" ? address.slice(0, at) : address;
  });
}
