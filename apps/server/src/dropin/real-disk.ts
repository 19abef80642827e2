/**
 * The engine node's disk backed by real files: what the node writes (dump.rdb on SAVE, BGSAVE,
 * SHUTDOWN, the save points and a replica's full sync) is written through to `dir`, as redis writes
 * a temp file and renames it into place; the engine's config file is mapped to the real config
 * file, which a CONFIG REWRITE rewrites with the lines the engine does not model kept.
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SimDisk } from "@replica-lab/engine";

/** The engine's config file name on its disk (the Redis kinds' `REDIS_CONFIG_FILE`). */
export const ENGINE_CONFIG_FILE = "redis.conf";

export interface RealDiskOptions {
  /** The working directory (`dir`), where data files live. */
  readonly dir: string;
  /** The real config file, or null when the server was started without one. */
  readonly configPath: string | null;
  /**
   * Builds the real config file's text from the engine's rewritten file (adds back the lines the
   * driver owns and those no one models).
   */
  readonly composeConfig: (engineText: string) => string;
  /** Told after a file is written (for the log). */
  readonly onError: (message: string) => void;
}

function writeAtomically(path: string, bytes: Uint8Array): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, bytes);
  renameSync(temp, path);
}

export class RealDisk extends SimDisk {
  constructor(private readonly options: RealDiskOptions) {
    super();
  }

  /** Reads a data file from `dir` into the disk (dump.rdb at start-up); false if there is none. */
  loadFromDir(name: string): boolean {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(this.options.dir, name));
    } catch {
      return false;
    }
    super.write(name, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    return true;
  }

  /** Puts the engine's initial config file on its disk (never written through). */
  seedConfig(text: string): void {
    super.writeText(ENGINE_CONFIG_FILE, text);
  }

  override write(name: string, bytes: Uint8Array): void {
    super.write(name, bytes);
    this.writeThrough(name, bytes);
  }

  override writeText(name: string, text: string): void {
    super.writeText(name, text);
    this.writeThrough(name, new TextEncoder().encode(text));
  }

  override remove(name: string): boolean {
    const had = super.remove(name);
    if (name !== ENGINE_CONFIG_FILE) {
      try {
        unlinkSync(join(this.options.dir, name));
      } catch {
        // Already gone.
      }
    }
    return had;
  }

  private writeThrough(name: string, bytes: Uint8Array): void {
    try {
      if (name === ENGINE_CONFIG_FILE) {
        if (this.options.configPath === null) return;
        writeAtomically(this.options.configPath, new TextEncoder().encode(this.options.composeConfig(new TextDecoder().decode(bytes))));
      } else {
        writeAtomically(join(this.options.dir, name), bytes);
      }
    } catch (error) {
      this.options.onError(`Failed writing ${name}: ${(error as Error).message}`);
    }
  }
}
