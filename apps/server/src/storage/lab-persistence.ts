/**
 * Labs that survive a restart. Every lab the registry hosts is kept in the store (`lab-store.ts`):
 * its metadata (name, origin, owner, parent, layout, clock, write loads) and its input log, which
 * rebuilds it exactly. Every `flushMs` the inputs appended since the last write (and the last one
 * again if a run of time merged into it) go to the store in one transaction, off the labs' thread:
 * the store packs them into a few buffers it hands over whole (`packInputs`), and its worker
 * encodes them (JSON, base64), so this thread only copies bytes.
 * At start, `restore` rebuilds every stored lab under its id (`TimelineService.restore`).
 *
 * What a crash loses: a SIGTERM or SIGINT loses nothing (the server writes what is left before it
 * exits). A SIGKILL, or a machine that stops, loses the inputs of the last `flushMs` and those of
 * the write in flight: at most about a second of the labs' lives. Labs come back as they were after
 * their last stored input.
 */
import { decodeLabInput, decodeLabOrigin, encodeLabOrigin, type LabInput, type NodeId } from "@replica-lab/engine";
import type { LabParent, NodePosition, WriteLoadView } from "@replica-lab/protocol";
import type { LabRegistry } from "../labs/lab-registry.ts";
import type { LabRuntime } from "../labs/lab-runtime.ts";
import type { TimelineService } from "../labs/timeline-service.ts";
import type { Access } from "../security/access.ts";
import type { LabStore } from "./lab-store.ts";
import type { LabWrite, StoredRows } from "./store-protocol.ts";
import type { SavedLessonState } from "../lessons/lesson-player.ts";
import type { ClassroomRecord, EndedClassroomRecord, StudentKeyRecord } from "../classroom/classroom-service.ts";

/** What the store keeps of a lab besides its log (the `labs.meta` column), version 1. */
export interface StoredMeta {
  readonly version: 1;
  readonly name: string;
  readonly createdAt: string;
  readonly origin: unknown;
  readonly owner: string;
  readonly parent: LabParent | null;
  readonly layout: Readonly<Record<string, NodePosition>>;
  readonly clock: { readonly paused: boolean; readonly speed: number };
  readonly writeLoads: readonly WriteLoadView[];
  /** The lesson the lab plays and where it stands (absent: none, or a store from before lessons were kept). */
  readonly lesson?: SavedLessonState;
  /** The classroom session running on the lab (absent: none, or a store from before sessions were kept). */
  readonly classroom?: ClassroomRecord;
  /** The session that ended last on the lab, while its code is remembered as ended (absent: none). */
  readonly endedClassroom?: EndedClassroomRecord;
  /** A student's fork: its student's token key, which outlives the class (absent: not a student's lab). */
  readonly studentKey?: StudentKeyRecord;
}

/** Where the classroom sessions of labs are kept and taken back (the app's `ClassroomService`). */
export interface ClassroomKeeper {
  recordOf(labId: string): ClassroomRecord | null;
  adopt(record: ClassroomRecord): boolean;
  endedOf(labId: string): EndedClassroomRecord | null;
  adoptEnded(labId: string, record: EndedClassroomRecord): void;
  studentKeyOf(ownerId: string): StudentKeyRecord | null;
  adoptStudentKey(record: StudentKeyRecord): void;
}

/** Where the lessons of labs are kept and taken back (the app's `LessonService`). */
export interface LessonKeeper {
  savedOf(labId: string): SavedLessonState | null;
  adopt(runtime: LabRuntime, saved: SavedLessonState): boolean;
}

export interface PersistenceOptions {
  /** Wall ms between writes: how much a SIGKILL may lose. */
  readonly flushMs: number;
}

export const DEFAULT_PERSISTENCE: PersistenceOptions = { flushMs: 500 };

/**
 * Bytes of inputs one flush hands the store before it lets the event loop turn (and goes on right
 * after): the store's worker is sent a copy of them, and a lab taking megabytes of client writes a
 * second must not stall the others' replies while they are copied.
 */
const FLUSH_SLICE_BYTES = 4 * 1024 * 1024;

/** Where a lab's log stands in the store. */
interface Kept {
  /** Entries written. */
  written: number;
  /** The last entry written, to see it replaced when a run of time merges into it. */
  last: LabInput | undefined;
  nextSeq: number;
  meta: string;
}

/** A stored lab the restore could not read or rebuild (kept in the store, not hosted). */
export interface RestoreProblem {
  readonly labId: string;
  readonly error: string;
}

export class LabPersistence {
  private readonly kept = new Map<string, Kept>();
  /** State of labs being restored, taken over when the registry hosts them. */
  private readonly restoring = new Map<string, Kept>();
  private pending: LabWrite[] = [];
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private readonly detach: (() => void)[] = [];
  private closed = false;
  /** The last write the store refused (the labs keep running; the next write tries again). */
  lastError: string | null = null;
  /** Where lesson labs' progress comes from and goes back to (set by `buildApp`). */
  lessons: LessonKeeper | null = null;
  /** Where labs' classroom sessions come from and go back to (set by `buildApp`). */
  classrooms: ClassroomKeeper | null = null;

  constructor(
    private readonly store: LabStore,
    private readonly registry: LabRegistry,
    private readonly access: Access,
    private readonly options: PersistenceOptions = DEFAULT_PERSISTENCE,
  ) {
    this.detach.push(registry.onCreated((runtime) => this.keep(runtime)));
    this.detach.push(
      registry.onDeleted((runtime) => {
        if (this.kept.delete(runtime.id)) this.pending.push({ labId: runtime.id, deleted: true });
      }),
    );
    this.timer = setInterval(() => void this.flush(FLUSH_SLICE_BYTES), options.flushMs);
    this.timer.unref();
  }

  get dataDir(): string {
    return this.store.dir;
  }

  /** Rebuilds every stored lab; labs that cannot be read or rebuilt are reported and left stored. */
  async restore(timelines: TimelineService): Promise<RestoreProblem[]> {
    const problems: RestoreProblem[] = [];
    const rows = [...(await this.store.load())];
    const metas = rows.map((row) => ({ row, meta: JSON.parse(row.meta) as StoredMeta }));
    // Oldest first, so that labs keep their order in the list.
    metas.sort((a, b) => a.meta.createdAt.localeCompare(b.meta.createdAt));
    for (const { row, meta } of metas) {
      try {
        const origin = decodeLabOrigin(meta.origin);
        if (!origin.ok) throw new Error(origin.error);
        const inputs = storedLog(row);
        // From now on one chunk holds the whole log (seq 0), so the store does not keep a row per
        // write for ever; written first, then what the lab does next.
        this.pending.push({ labId: row.labId, replaceChunks: true, chunk: { seq: 0, first: 0, inputs } });
        // The hosted lab's log holds these very entries, so a merge into the last one is seen.
        this.restoring.set(row.labId, { written: inputs.length, last: inputs[inputs.length - 1], nextSeq: 1, meta: "" });
        const runtime = await timelines.restore({ id: row.labId, name: meta.name, createdAt: meta.createdAt, origin: origin.origin, inputs, parent: meta.parent, layout: meta.layout });
        this.access.setOwner(runtime.id, meta.owner);
        // A student's fork: its student's token reaches it again (during the class or after it).
        if (meta.studentKey !== undefined) this.classrooms?.adoptStudentKey(meta.studentKey);
        const now = performance.now();
        if (meta.clock.paused) runtime.clock.pause(now, runtime.lab.nowMs);
        else runtime.clock.resume(now, runtime.lab.nowMs);
        runtime.clock.setSpeed(meta.clock.speed, now, runtime.lab.nowMs);
        for (const load of meta.writeLoads) if (runtime.lab.hasNode(load.nodeId)) runtime.setWriteLoad(load.nodeId as NodeId, load.opsPerSec);
        // A lesson that is gone or changed shape since leaves the lab without one: the lab is kept.
        if (meta.lesson !== undefined) this.lessons?.adopt(runtime, meta.lesson);
        // The class goes on: its code, the instructor's and the students' tokens.
        if (meta.classroom !== undefined) this.classrooms?.adopt(meta.classroom);
        // A class that ended lately: the pages still polling its code are not taken for guessing.
        if (meta.endedClassroom !== undefined) this.classrooms?.adoptEnded(row.labId, meta.endedClassroom);
      } catch (error) {
        problems.push({ labId: row.labId, error: error instanceof Error ? error.message : String(error) });
      } finally {
        this.restoring.delete(row.labId);
      }
    }
    await this.flush();
    return problems;
  }

  /**
   * Writes what the labs did since the last write; resolves once the store has it. With
   * `sliceBytes` (the periodic flush), a write takes inputs holding about that many bytes and the
   * rest is queued at the next turn of the event loop, so copying a busy lab's log to the store's
   * worker does not stall every other lab's replies.
   */
  flush(sliceBytes = Infinity): Promise<void> {
    const budget = { bytes: sliceBytes };
    let more = false;
    for (const id of this.kept.keys()) {
      const runtime = this.hosted(id);
      if (runtime !== null && !this.collect(runtime, budget)) more = true;
    }
    if (more && !this.closed) setImmediate(() => void this.flush(sliceBytes));
    if (this.pending.length === 0) return this.writing;
    const batch = this.pending;
    this.pending = [];
    // Writes go one after another: a chunk must not overtake the one before.
    this.writing = this.writing.then(
      () => this.store.write(batch),
      () => this.store.write(batch),
    ).then(
      () => {
        this.lastError = null;
      },
      (error: unknown) => {
        this.lastError = error instanceof Error ? error.message : String(error);
      },
    );
    return this.writing;
  }

  /** Inputs the hosted labs logged that no write has taken yet (what a SIGKILL now would lose). */
  pendingInputs(): number {
    let count = 0;
    for (const [id, kept] of this.kept) {
      const runtime = this.hosted(id);
      if (runtime !== null) count += runtime.lab.inputs.length - kept.written;
    }
    return count;
  }

  /** Writes what is left and closes the store; labs deleted after this are not forgotten. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const detach of this.detach) detach();
    await this.flush();
    await this.store.close();
  }

  private keep(runtime: LabRuntime): void {
    if (this.closed) return;
    const restored = this.restoring.get(runtime.id);
    this.kept.set(runtime.id, restored ?? { written: 0, last: undefined, nextSeq: 0, meta: "" });
    this.collect(runtime);
  }

  private hosted(id: string): LabRuntime | null {
    try {
      return this.registry.get(id);
    } catch {
      return null;
    }
  }

  /**
   * Queues the lab's new inputs and changed metadata, taking their bytes from `budget`; false when
   * the budget ran out with inputs left for the next flush.
   */
  private collect(runtime: LabRuntime, budget = { bytes: Infinity }): boolean {
    const kept = this.kept.get(runtime.id);
    if (kept === undefined) return true;
    const log = runtime.lab.inputs;
    const write: { -readonly [K in keyof LabWrite]: LabWrite[K] } = { labId: runtime.id };
    const meta = JSON.stringify(this.metaOf(runtime));
    if (meta !== kept.meta) {
      write.meta = meta;
      kept.meta = meta;
    }
    let first = kept.written;
    if (first > 0 && log.at(first - 1) !== kept.last) first--;
    let end = log.length;
    if (first < end) {
      const inputs: LabInput[] = [];
      for (let i = first; i < end; i++) {
        inputs.push(compact(log.at(i)!, budget));
        // Checked after every entry (one may be a megabyte of client bytes); a lab always gets at
        // least one entry further, so every lab's log keeps moving however busy the others are.
        if (budget.bytes <= 0) end = i + 1;
      }
      write.chunk = { seq: kept.nextSeq++, first, inputs };
      kept.written = end;
      kept.last = log.at(end - 1);
    }
    if (write.meta !== undefined || write.chunk !== undefined) this.pending.push(write);
    return end === log.length;
  }

  private metaOf(runtime: LabRuntime): StoredMeta {
    return {
      version: 1,
      name: runtime.name,
      createdAt: runtime.createdAt,
      origin: encodeLabOrigin(runtime.lab.creation),
      owner: this.access.ownerOf(runtime.id),
      parent: runtime.parent,
      layout: runtime.layout,
      clock: { paused: runtime.clock.paused, speed: runtime.clock.speed },
      writeLoads: runtime.writeLoads(),
      ...lessonOf(this.lessons?.savedOf(runtime.id) ?? null),
      ...classroomOf(this.classrooms?.recordOf(runtime.id) ?? null),
      ...endedClassroomOf(this.classrooms?.endedOf(runtime.id) ?? null),
      ...studentKeyOf(this.classrooms?.studentKeyOf(this.access.ownerOf(runtime.id)) ?? null),
    };
  }
}

/** What an entry is counted in a flush's byte budget besides its byte strings. */
const ENTRY_COST = 64;

/**
 * The entry as the store's worker is sent it, its byte strings taken from `budget`: itself, unless
 * a byte string is a view into a larger buffer (a slice of a pooled Buffer): a structured clone
 * copies a view's whole buffer, so such an entry goes with its bytes copied out. A client's bytes
 * (`send`, views into its session's slabs) never are: the store packs them, copying them into one
 * buffer it hands over whole (`packInputs`).
 */
function compact(input: LabInput, budget: { bytes: number }): LabInput {
  budget.bytes -= ENTRY_COST;
  switch (input.op) {
    case "send":
      // Packed by the store (`packInputs`), which copies the bytes whatever buffer holds them.
      budget.bytes -= input.bytes.byteLength;
      return input;
    case "write-file": {
      const bytes = carried(input.bytes, budget);
      return bytes === input.bytes ? input : { ...input, bytes };
    }
    case "command": {
      const argv = input.argv.map((arg) => carried(arg, budget));
      return argv.every((arg, i) => arg === input.argv[i]) ? input : { ...input, argv };
    }
    case "outbound": {
      if (input.event.type !== "data") return input;
      const bytes = carried(input.event.bytes, budget);
      return bytes === input.event.bytes ? input : { ...input, event: { type: "data", bytes } };
    }
    default:
      return input;
  }
}

/** `bytes`, or a copy of them when they are a view into a larger buffer; counted in `budget`. */
function carried(bytes: Uint8Array, budget: { bytes: number }): Uint8Array {
  budget.bytes -= bytes.byteLength;
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/** The log a lab's chunks hold (later chunks overwrite the entries they share with earlier ones). */
export function storedLog(rows: StoredRows): LabInput[] {
  const log: LabInput[] = [];
  for (const chunk of rows.chunks) {
    if (chunk.first > log.length) throw new Error(`chunk ${chunk.seq} starts at input ${chunk.first}, after the ${log.length} read`);
    const entries = JSON.parse(chunk.body) as unknown[];
    entries.forEach((entry, i) => {
      const decoded = decodeLabInput(entry);
      if (!decoded.ok) throw new Error(`chunk ${chunk.seq}: ${decoded.error}`);
      log[chunk.first + i] = decoded.input;
    });
    // A chunk that rewrote the last entry ends the log there (nothing after it was ever written).
    log.length = chunk.first + entries.length;
  }
  return log;
}

/** The meta's `lesson` field, or nothing for a lab without a lesson (older metas stay byte-equal). */
function lessonOf(saved: SavedLessonState | null): { readonly lesson?: SavedLessonState } {
  return saved === null ? {} : { lesson: saved };
}

/** The meta's `studentKey` field, or nothing for a lab no student owns (older metas stay byte-equal). */
function studentKeyOf(key: StudentKeyRecord | null): { readonly studentKey?: StudentKeyRecord } {
  return key === null ? {} : { studentKey: key };
}

/** The meta's `classroom` field, or nothing for a lab without a session (older metas stay byte-equal). */
function classroomOf(record: ClassroomRecord | null): { readonly classroom?: ClassroomRecord } {
  return record === null ? {} : { classroom: record };
}

/** The meta's `endedClassroom` field, or nothing when no session ended on the lab lately. */
function endedClassroomOf(record: EndedClassroomRecord | null): { readonly endedClassroom?: EndedClassroomRecord } {
  return record === null ? {} : { endedClassroom: record };
}
