/**
 * A node's simulated disk. It belongs to the host, not the node process, so it survives a crash:
 * a restarted node finds the `dump.rdb` its previous life (or its last full sync) left behind.
 */
export class SimDisk {
  private readonly files = new Map<string, Uint8Array>();

  read(name: string): Uint8Array | undefined {
    return this.files.get(name);
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

  wipe(): void {
    this.files.clear();
  }
}
