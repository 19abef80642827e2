/**
 * An SSDB node's meta database (`work_dir/meta`): the small store where a slave keeps its resume
 * point, the hash `slave.status.<id>` with fields `last_seq` and `last_key` (§A.7). It is written
 * through to the disk at every change, so a killed slave restarts from exactly where it was.
 */
import type { SimDisk } from "../../process/disk.ts";
import { binaryToBytes, bytesToBinary } from "../../util/bytes.ts";
import { encodeBatch, replayLog, type LogOp } from "./disk-log.ts";

export const META_FILE = "var/meta";

/** A slave's persisted resume point. */
export interface SlaveStatusRecord {
  readonly lastSeq: number;
  readonly lastKey: string;
}

/** The hash name of a slave's status (`Slave::status_key`). */
export function slaveStatusKey(id: string): string {
  return `slave.status.${id}`;
}

export class MetaStore {
  private readonly hashes = new Map<string, Map<string, string>>();

  constructor(private readonly disk: SimDisk) {
    MetaStore.read(disk, (name, field, value) => this.hashMap(name).set(field, value));
  }

  /** Reads a meta file without a store (the view of a node that is down). */
  static read(disk: SimDisk, visit: (name: string, field: string, value: string) => void): void {
    const bytes = disk.read(META_FILE);
    if (bytes === undefined) return;
    replayLog(bytes, (op) => {
      if (op.op !== "put") return;
      const at = op.key.indexOf("\x00");
      if (at >= 0) visit(op.key.slice(0, at), op.key.slice(at + 1), bytesToBinary(op.value));
    });
  }

  private hashMap(name: string): Map<string, string> {
    let map = this.hashes.get(name);
    if (map === undefined) {
      map = new Map();
      this.hashes.set(name, map);
    }
    return map;
  }

  hget(name: string, field: string): string | undefined {
    return this.hashes.get(name)?.get(field);
  }

  hset(name: string, field: string, value: string): void {
    this.hashMap(name).set(field, value);
  }

  /** Writes the whole (small) database to the disk. */
  flush(): void {
    const ops: LogOp[] = [];
    for (const [name, fields] of this.hashes) for (const [field, value] of fields) ops.push({ op: "put", key: `${name}\x00${field}`, value: binaryToBytes(value) });
    this.disk.write(META_FILE, encodeBatch(ops));
  }

  /** `Slave::load_status`. */
  loadSlaveStatus(id: string): SlaveStatusRecord {
    const key = slaveStatusKey(id);
    const seq = this.hget(key, "last_seq") ?? "";
    return { lastSeq: seq === "" ? 0 : Number(/^\d+/.exec(seq)?.[0] ?? "0"), lastKey: this.hget(key, "last_key") ?? "" };
  }

  /** `Slave::save_status`: both fields, at once. */
  saveSlaveStatus(id: string, status: SlaveStatusRecord): void {
    const key = slaveStatusKey(id);
    this.hset(key, "last_key", status.lastKey);
    this.hset(key, "last_seq", String(status.lastSeq));
    this.flush();
  }
}
