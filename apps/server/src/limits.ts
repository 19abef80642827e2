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
   * enforce it through each node's `proto-max-bulk-len` (never below redis's minimum of 1 MiB).
   */
  readonly maxValueBytes: number;
  /** Arguments in one command's argv (`bad-argv`). */
  readonly maxArgs: number;
  /** Bytes of one REST request body (`body-too-large`). */
  readonly bodyLimitBytes: number;
  /** Bytes of one WebSocket message (`message-too-large`). */
  readonly maxMessageBytes: number;
  /** V8 heap bytes the whole server may use before it refuses new work (`memory-limit`). */
  readonly maxMemoryBytes: number;
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
  maxMessageBytes: 4 * 1024 * 1024,
  maxMemoryBytes: 1536 * 1024 * 1024,
  commandTimeoutMs: 10_000,
  maxWriteLoadOpsPerSec: 50_000,
};

/** redis refuses a `proto-max-bulk-len` below 1 MiB, so RESP ports never go lower. */
export const MIN_PROTO_MAX_BULK_LEN = 1024 * 1024;
