/**
 * An SSDB node's meta database (`work_dir/meta`): the small store where a slave keeps its resume
 * point, the hash `slave.status.<id>` with fields `last_seq` and `last_key` (§A.7). It is written
 * through to the disk at every change, so a killed slave restarts from exactly where it was.
 *
 * The file is a log of put batches, as LevelDB's is: a slave's save (after every record it applies)
 * appends its two puts, and a later put of a field wins when the log is read. Once the log has grown
 * past `META_COMPACT_BYTES` the next save rewrites it as one batch of what is live.
 */
import type { SimDisk } from "../../process/disk.ts";
import { bytesToBinary } from "../../util/bytes.ts";
import { AppendFile, ByteWriter, OP_PUT, replayLog, varintLength } from "./disk-log.ts";

export const META_FILE = "var/meta";

/** The meta log is rewritten whole once it is this long (a few dozen saves of a slave's status). */
const META_COMPACT_BYTES = 4096;

/** A slave's persisted resume point. */
export interface SlaveStatusRecord {
  readonly lastSeq: number;
  readonly lastKey: string;
}

/** The hash name of a slave's status (`Slave::status_key`). */
export function slaveStatusKey(id: string): string {
  return `slave.status.${id}`;
}

/** One field of a hash, with its put's head (op code, key length, key) encoded once. */
interface MetaEntry {
  readonly head: Uint8Array;
  value: string;
}

/** A hash's fields, in the order they were first set (the file's order). */
interface MetaHash {
  readonly byField: Map<string, MetaEntry>;
  readonly order: MetaEntry[];
}

export class MetaStore {
  private readonly hashes = new Map<string, MetaHash>();
  /** Hashes in the order they were first set (the file's order). */
  private readonly order: MetaHash[] = [];

  private readonly file: AppendFile;
  /** A slave's two status fields by slave id (a save per applied record finds them at once). */
  private readonly statusEntries = new Map<string, { readonly lastKey: MetaEntry; readonly lastSeq: MetaEntry }>();

  constructor(disk: SimDisk) {
    this.file = new AppendFile(disk, META_FILE);
    MetaStore.visit(this.file.load(), (name, field, value) => this.hset(name, field, value));
  }

  /** Reads a meta file without a store (the view of a node that is down). */
  static read(disk: SimDisk, visit: (name: string, field: string, value: string) => void): void {
    const bytes = disk.read(META_FILE);
    if (bytes !== undefined) MetaStore.visit(bytes, visit);
  }

  private static visit(bytes: Uint8Array, visit: (name: string, field: string, value: string) => void): void {
    replayLog(bytes, (op) => {
      if (op.op !== "put") return;
      const at = op.key.indexOf("\x00");
      if (at >= 0) visit(op.key.slice(0, at), op.key.slice(at + 1), bytesToBinary(op.value));
    });
  }

  private hash(name: string): MetaHash {
    let hash = this.hashes.get(name);
    if (hash === undefined) {
      hash = { byField: new Map(), order: [] };
      this.hashes.set(name, hash);
      this.order.push(hash);
    }
    return hash;
  }

  hget(name: string, field: string): string | undefined {
    return this.hashes.get(name)?.byField.get(field)?.value;
  }

  hset(name: string, field: string, value: string): void {
    this.set(name, field, value);
  }

  private set(name: string, field: string, value: string): MetaEntry {
    const hash = this.hash(name);
    const entry = hash.byField.get(field);
    if (entry !== undefined) {
      entry.value = value;
      return entry;
    }
    const head = new ByteWriter();
    head.byte(OP_PUT);
    head.binary(`${name}\x00${field}`);
    const added: MetaEntry = { head: head.finish(), value };
    hash.byField.set(field, added);
    hash.order.push(added);
    return added;
  }

  /** Writes the whole (small) database to the disk as one batch of puts, `name NUL field` to the value. */
  flush(): void {
    let count = 0;
    let size = 0;
    for (const hash of this.order) {
      for (const entry of hash.order) {
        size += entry.head.length + varintLength(entry.value.length) + entry.value.length;
        count++;
      }
    }
    const out = new ByteWriter(varintLength(count) + size);
    out.varint(count);
    for (const hash of this.order) {
      for (const entry of hash.order) {
        out.raw(entry.head);
        out.binary(entry.value);
      }
    }
    this.file.replace(out.finish());
  }

  /** `Slave::load_status`. */
  loadSlaveStatus(id: string): SlaveStatusRecord {
    const key = slaveStatusKey(id);
    const seq = this.hget(key, "last_seq") ?? "";
    return { lastSeq: seq === "" ? 0 : Number(/^\d+/.exec(seq)?.[0] ?? "0"), lastKey: this.hget(key, "last_key") ?? "" };
  }

  /** `Slave::save_status`: both fields, at once. */
  saveSlaveStatus(id: string, status: SlaveStatusRecord): void {
    let entries = this.statusEntries.get(id);
    if (entries === undefined) {
      const key = slaveStatusKey(id);
      entries = { lastKey: this.set(key, "last_key", status.lastKey), lastSeq: this.set(key, "last_seq", "") };
      this.statusEntries.set(id, entries);
    }
    const { lastKey, lastSeq } = entries;
    lastKey.value = status.lastKey;
    lastSeq.value = String(status.lastSeq);
    if (this.file.sizeBytes >= META_COMPACT_BYTES) {
      this.flush();
      return;
    }
    this.file.appendEncoded((out) => {
      out.varint(2);
      out.raw(lastKey.head);
      out.binary(lastKey.value);
      out.raw(lastSeq.head);
      out.binary(lastSeq.value);
    });
  }
}
