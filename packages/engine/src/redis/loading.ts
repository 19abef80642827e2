/**
 * An RDB load in progress (rdb.c startLoading/stopLoading and the `loading_*` INFO fields). A
 * replica loads its master's RDB during a full sync: from the file once the transfer is on disk,
 * or from the socket as the bytes arrive (`repl-diskless-load`). Progress moves with the bytes
 * the load has taken and with virtual time (`key-load-delay`), never with a clock.
 */

/** redis shared.loadingerr, without the leading `-`. */
export const LOADING_ERROR = "LOADING Redis is loading the dataset in memory";

export interface LoadingState {
  /** async_loading: the old dataset keeps serving reads (swapdb with the master's own replid). */
  readonly async: boolean;
  /** Unix seconds when loading began (loading_start_time). */
  readonly startUnixSec: number;
  /** The announced RDB size, 0 when unknown (an EOF-marked stream). */
  readonly totalBytes: number;
  /** Bytes loaded as redis last reported them: updated once per `loading-process-events-interval-bytes`. */
  loadedBytes: number;
  /** The `used-mem` the RDB announced (loading_rdb_used_mem), 0 until known. */
  rdbUsedMemBytes: number;
}

/** INFO persistence's lines while loading (genRedisInfoString), after `aof_enabled`. */
export function loadingInfoFields(loading: LoadingState, nowUnixSec: number): [string, string | number][] {
  let perc = 0;
  let remaining = 1;
  if (loading.totalBytes > 0) {
    perc = (loading.loadedBytes / loading.totalBytes) * 100;
    remaining = loading.totalBytes - loading.loadedBytes;
  } else if (loading.rdbUsedMemBytes > 0) {
    // used-mem is only an estimate of the file's size: never past 99.99%.
    perc = Math.min(99.99, (loading.loadedBytes / loading.rdbUsedMemBytes) * 100);
    remaining = Math.max(1, loading.rdbUsedMemBytes - loading.loadedBytes);
  }
  const elapsed = nowUnixSec - loading.startUnixSec;
  const eta = elapsed === 0 ? 1 : Math.trunc((elapsed * remaining) / (loading.loadedBytes + 1));
  return [
    ["loading_start_time", loading.startUnixSec],
    ["loading_total_bytes", loading.totalBytes],
    ["loading_rdb_used_mem", loading.rdbUsedMemBytes],
    ["loading_loaded_bytes", loading.loadedBytes],
    ["loading_loaded_perc", perc.toFixed(2)],
    ["loading_eta_seconds", eta],
  ];
}
