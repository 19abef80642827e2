/**
 * A node's simulated disk. It belongs to the host, not the node process, so it survives a crash:
 * a restarted node finds the `dump.rdb` its previous life (or its last full sync) left behind.
 */
export class SimDisk {
  private readonly files = new Map<string, Uint8Array>();

  read(name: string): Uint8Array | undefined {
    return this.files.get(name);
  }

  /** A text file (config files), or undefined. */
  readText(name: string): string | undefined {
    const bytes = this.files.get(name);
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  }

  writeText(name: string, text: string): void {
    this.files.set(name, new TextEncoder().encode(text));
  }

  write(name: string, bytes: Uint8Array): void {
    this.files.set(name, bytes);
  }

  remove(name: string): boolean {
    return this.files.delete(name);
  }

  list(): string[] {
    return [...this.files.keys()].sort();
  }

  /** Total bytes stored. */
  get sizeBytes(): number {
    let total = 0;
    for (const bytes of this.files.values()) total += bytes.length;
    return total;
  }

  /** Deletes every file but those named in `keep`. */
  wipe(keep: readonly string[] = []): void {
    for (const name of [...this.files.keys()]) if (!keep.includes(name)) this.files.delete(name);
  }
}
