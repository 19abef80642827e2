/**
 * The ring backlog as the inspector draws it (2.8 and 4.0): the buffer's size, where the write
 * index is, how much of it holds history and which offsets that history spans.
 */
import type { RingBacklog } from "./ring-backlog.ts";

export interface RingBacklogView {
  readonly active: boolean;
  /** repl-backlog-size: the buffer's length. */
  readonly sizeBytes: number;
  /** repl_backlog_idx: where the next byte goes (0 ≤ idx < size). */
  readonly idx: number;
  /** repl_backlog_histlen: bytes of history held (at most the size). */
  readonly histlen: number;
  /** repl_backlog_off: the offset of the oldest byte held. */
  readonly firstByteOffset: number;
  /** The offset of the newest byte held (master_repl_offset). */
  readonly lastByteOffset: number;
  /** The ring has gone round at least once: the oldest bytes were overwritten. */
  readonly wrapped: boolean;
  /**
   * Bytes written since the ring was made: `fedBytes / sizeBytes` is how many times the write
   * index has gone round, which the inspector counts so a wrap can be seen happening.
   */
  readonly fedBytes: number;
}

/**
 * The view of `ring`, or of no ring (`last` gives the window INFO still prints: 2.8 keeps
 * repl_backlog_off and histlen once its backlog is freed).
 */
export function ringBacklogView(ring: RingBacklog | null, configuredSize: number, last: { readonly firstByteOffset: number; readonly histlen: number }): RingBacklogView {
  if (!ring) {
    return { active: false, sizeBytes: configuredSize, idx: 0, histlen: last.histlen, firstByteOffset: last.firstByteOffset, lastByteOffset: last.firstByteOffset + last.histlen - 1, wrapped: false, fedBytes: 0 };
  }
  return {
    active: true,
    sizeBytes: ring.size,
    idx: ring.idx,
    histlen: ring.histlen,
    firstByteOffset: ring.firstByteOffset,
    lastByteOffset: ring.endOffset,
    wrapped: ring.wrapped,
    fedBytes: ring.fedBytes,
  };
}
