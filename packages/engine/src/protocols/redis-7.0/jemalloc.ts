/**
 * jemalloc 5.3 size classes, as seen through `malloc_usable_size` on the Debian redis-server 7.0.15
 * build (`malloc=jemalloc-5.3.0`, 64-bit, 4 KiB pages, 16-byte quantum).
 *
 * Redis 7.0 allocates each replication buffer block with `zmalloc_usable` and then uses the whole
 * usable size, so the block capacities (and therefore `repl_backlog_first_byte_offset`, which moves in
 * whole blocks) depend on the allocator's rounding. A libc build would not round; this module only
 * models jemalloc because that is the build the engine must match.
 */

/** Smallest jemalloc size class (the "tiny" class on 64-bit). */
const TINY_CLASS = 8;
/** Sizes up to here are spaced by the 16-byte quantum: 16, 32, 48, …, 128. */
const QUANTUM_LIMIT = 128;
const QUANTUM = 16;

/**
 * Usable size jemalloc 5.3 returns for a request of `size` bytes (the size class it rounds up to).
 *
 * Above 128 bytes every power-of-two group `(2^k, 2^(k+1)]` holds four classes
 * `2^k + j·2^(k−2)`, j = 1..4 (for example 16384 → 20480, 24576, 28672, 32768). That rule holds for
 * small, large and huge classes alike, so one formula covers every size a backlog block can ask for.
 */
export function jemallocUsableSize(size: number): number {
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`bad allocation size ${size}`);
  if (size <= TINY_CLASS) return TINY_CLASS;
  if (size <= QUANTUM_LIMIT) return Math.ceil(size / QUANTUM) * QUANTUM;
  // Find 2^k with 2^k < size ≤ 2^(k+1); a loop keeps it exact beyond 2^32, where clz32 would not.
  let base = QUANTUM_LIMIT;
  while (base * 2 < size) base *= 2;
  const delta = base / 4;
  return Math.ceil(size / delta) * delta;
}
