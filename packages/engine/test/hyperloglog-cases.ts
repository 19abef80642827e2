/**
 * HyperLogLog requests whose replies a lab node must give byte for byte as real servers do, on one
 * connection (fixtures/hyperloglog.json, recorded by record-hyperloglog.ts from redis-server
 * 2.8.24, 4.0.14 and 7.0.15; hyperloglog.test.ts also compares 7.0 with a live server). GET shows
 * the values themselves: sparse and dense bytes and the cached cardinality in the header.
 */

/** What the fixture holds: per version, the server it was recorded from and each request's raw reply. */
export interface HyperLogLogFixture {
  readonly recordedWith: Record<string, string>;
  readonly replies: Record<string, readonly string[]>;
}

const elements = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

/** Requests on one connection; replies compared byte for byte. */
export const HLL_CASES: readonly (readonly string[])[] = [
  ["PFADD", "h", "a", "b", "c"],
  ["GET", "h"],
  ["PFCOUNT", "h"],
  ["GET", "h"],
  ["PFADD", "h", "a"],
  ["PFADD", "h", "d", ""],
  ["PFDEBUG", "ENCODING", "h"],
  ["PFDEBUG", "DECODE", "h"],
  ["PFCOUNT", "h"],
  ["PFADD", "empty"],
  ["GET", "empty"],
  ["PFCOUNT", "empty"],
  ["PFCOUNT", "missing"],
  // Elements of every length modulo 8 (the hash's tail), and long ones.
  ["PFADD", "lengths", "x", "xy", "xyz", "wxyz", "vwxyz", "uvwxyz", "tuvwxyz", "stuvwxyz", "rstuvwxyz", "an element longer than a few words of eight bytes"],
  ["GET", "lengths"],
  ["PFCOUNT", "lengths"],
  // Growing until the sparse body passes 3000 bytes and turns dense.
  ...Array.from({ length: 12 }, (_, k) => ["PFADD", "big", ...elements("e", k * 150, (k + 1) * 150)]),
  ["PFDEBUG", "ENCODING", "big"],
  ["PFCOUNT", "big"],
  ["GET", "big"],
  ["PFADD", "big", ...elements("f", 0, 2000)],
  ["PFCOUNT", "big"],
  ["GET", "big"],
  // Past every range the estimators treat apart (2.8: linear counting below 40,960, a bias
  // correction below 72,000): 100,000 elements in all.
  ...Array.from({ length: 20 }, (_, k) => ["PFADD", "huge", ...elements("x", k * 5000, (k + 1) * 5000)]).flatMap((request, k) => (k % 4 === 3 ? [request, ["PFCOUNT", "huge"]] : [request])),
  ["PFCOUNT", "huge", "big"],
  // A smaller limit promotes sooner.
  ["CONFIG", "SET", "hll-sparse-max-bytes", "60"],
  ["PFADD", "small", ...elements("s", 0, 20)],
  ["PFDEBUG", "ENCODING", "small"],
  ["PFADD", "small2", ...elements("t", 0, 5)],
  ["PFDEBUG", "ENCODING", "small2"],
  ["CONFIG", "GET", "hll-sparse-max-bytes"],
  ["CONFIG", "SET", "hll-sparse-max-bytes", "3000"],
  // Unions: several keys counted, and merged (sparse into sparse, sparse with dense).
  ["PFCOUNT", "h", "lengths", "missing"],
  ["PFCOUNT", "h", "big", "small"],
  ["PFMERGE", "m1", "h", "lengths"],
  ["GET", "m1"],
  ["PFCOUNT", "m1"],
  ["PFMERGE", "m2", "h", "big"],
  ["PFDEBUG", "ENCODING", "m2"],
  ["PFCOUNT", "m2"],
  ["PFMERGE", "h", "lengths"],
  ["GET", "h"],
  ["PFMERGE", "nothing"],
  ["GET", "nothing"],
  // PFDEBUG.
  ["PFDEBUG", "TODENSE", "lengths"],
  ["PFDEBUG", "TODENSE", "lengths"],
  ["PFDEBUG", "DECODE", "lengths"],
  ["PFCOUNT", "lengths"],
  ["PFDEBUG", "GETREG", "m1"],
  ["PFDEBUG", "ENCODING", "m1"],
  ["PFDEBUG", "GETREG", "missing"],
  ["PFDEBUG", "NOSUCH", "m1"],
  // Not HyperLogLogs.
  ["SET", "plain", "hello"],
  ["PFADD", "plain", "x"],
  ["PFCOUNT", "plain"],
  ["PFCOUNT", "h", "plain"],
  ["PFMERGE", "plain", "h"],
  ["LPUSH", "list", "x"],
  ["PFADD", "list", "x"],
  ["PFCOUNT", "list"],
  ["SET", "short-dense", "HYLL\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000"],
  ["PFCOUNT", "short-dense"],
  ["SET", "bad-encoding", "HYLL\u0002\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u003f"],
  ["PFCOUNT", "bad-encoding"],
  // Corrupt sparse bodies: a run that covers too few registers.
  ["SET", "corrupt", "HYLL\u0001\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0080\u003f"],
  ["PFCOUNT", "corrupt"],
  ["PFCOUNT", "corrupt", "h"],
  ["PFMERGE", "m3", "corrupt"],
  ["EXISTS", "m3"],
  ["OBJECT", "ENCODING", "h"],
  ["TYPE", "h"],
  ["PFADD"],
  ["PFCOUNT"],
  ["PFDEBUG", "GETREG"],
];

/**
 * 7.0 only: PFADD into a sparse value whose runs end early. 7.0 checks for the end and answers
 * INVALIDOBJ; 2.8.24 and 4.0.14 have no such check and read and write past the value's end (an
 * undefined result the lab does not imitate: its 2.8 and 4.0 nodes answer as 7.0 does).
 */
export const HLL_CASES_7_0_ONLY: readonly (readonly string[])[] = [
  ["SET", "corrupt", "HYLL\u0001\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0080\u003f"],
  ["PFADD", "corrupt", "a", "b"],
  ["GET", "corrupt"],
];
