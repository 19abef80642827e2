/**
 * Seed 001's rule for the replication backlog's size: `2 * second * write_size_per_second`, where
 * `second` is how long a replica usually takes to come back and `write_size_per_second` the bytes
 * of write commands (in protocol form) the master produces per second; 2 is the headroom.
 */

/** The recommended repl-backlog-size in bytes. */
export function backlogSize(seconds: number, bytesPerSecond: number): number {
  return Math.ceil(2 * Math.max(0, seconds) * Math.max(0, bytesPerSecond));
}
