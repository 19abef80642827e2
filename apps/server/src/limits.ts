/**
 * The server's limits, each with a clear error when reached (see `http/errors.ts`). Defaults suit
 * one person's laptop; `buildApp` takes overrides, and tests shrink them to hit them cheaply.
 */

/** Every limit the server enforces. */
export interface ServerLimits {
  /** Labs held at once (`too-many-labs`). */
  readonly maxLabs: number;
  /** Nodes per lab (`too-many-nodes`). */
  readonly maxNodesPerLab: number;
  /**
   * Bytes of one command argument sent through REST or the stream (`value-too-large`). RESP ports
   * follow redis instead: each node's `proto-max-bulk-len` (512 MiB by default), within the lab's
   * memory (`labMemoryBytes`).
   */
  readonly maxValueBytes: number;
  /** Arguments in one command's argv (`bad-argv`). */
  readonly maxArgs: number;
  /** Bytes of one REST request body (`body-too-large`). */
  readonly bodyLimitBytes: number;
  /** Bytes of a lab file sent to `POST /api/labs { import }` (`body-too-large`). */
  readonly maxImportBytes: number;
  /** Bytes of one WebSocket message (`message-too-large`). */
  readonly maxMessageBytes: number;
  /**
   * Bytes the whole server's labs may hold (their machines and input logs) before it refuses new
   * work (`memory-limit`), stops write loads and stops reading RESP clients until memory is freed.
   */
  readonly maxMemoryBytes: number;
  /**
   * A last resort for what the labs' accounting might miss: the process's own heap and buffers past
   * this also count as over the limit (they stay high until the garbage collector runs, so they
   * are not the main measure). Below V8's own heap limit.
   */
  readonly maxProcessMemoryBytes: number;
  /**
   * Bytes of memory each lab's machine has for its nodes and the data between them. Nodes keep
   * within it as redis keeps within maxmemory and maxmemory-clients: writes get `-OOM`, the largest
   * clients are disconnected (see the engine's `redis/memory.ts`).
   */
  readonly labMemoryBytes: number;
  /**
   * Bytes a lab's input log may hold (every byte its RESP clients sent is kept: the lab is rebuilt
   * from it). Past it, the lab's RESP clients are no longer read; deleting the lab frees it.
   */
  readonly labLogBytes: number;
  /** Wall-clock ms a REST or stream command waits for its reply (`reply-timeout`). */
  readonly commandTimeoutMs: number;
  /** Write-load SETs per second per node. */
  readonly maxWriteLoadOpsPerSec: number;
}

/** The defaults `npm start` runs with. */
export const DEFAULT_LIMITS: ServerLimits = {
  maxLabs: 32,
  maxNodesPerLab: 64,
  maxValueBytes: 1024 * 1024,
  maxArgs: 1024,
  bodyLimitBytes: 4 * 1024 * 1024,
  maxImportBytes: 64 * 1024 * 1024,
  maxMessageBytes: 4 * 1024 * 1024,
  maxMemoryBytes: 1536 * 1024 * 1024,
  labMemoryBytes: 512 * 1024 * 1024,
  labLogBytes: 256 * 1024 * 1024,
  maxProcessMemoryBytes: 3 * 1024 * 1024 * 1024,
  commandTimeoutMs: 10_000,
  maxWriteLoadOpsPerSec: 50_000,
};

