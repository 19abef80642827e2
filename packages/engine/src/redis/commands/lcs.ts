/**
 * LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN] as 7.0.15 answers it (t_string.c
 * lcsCommand): the longest common subsequence by the dynamic-programming table, walked back from
 * the end; IDX gives the matched ranges from the last to the first. The table costs
 * (len1+1)*(len2+1)*4 bytes and is refused when that exceeds proto-max-bulk-len, as in redis.
 */
import { writeArrayHeader, writeBulk, writeInteger } from "../resp/encode.ts";
import { asciiBytes } from "../../util/bytes.ts";
import type { CommandSpec } from "./command.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import { ERR_NOT_INTEGER, ERR_SYNTAX, keyOf, parseInt64, replyMapHeader, word } from "./reply.ts";

const EMPTY = new Uint8Array(0);
const MATCHES = asciiBytes("matches");
const LEN = asciiBytes("len");

/** A matched range, as IDX reports it: [aStart, aEnd], [bStart, bEnd]. */
type Range = readonly [number, number, number, number];

function lcsCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const db = node.selectedDb(c);
  const foundA = node.lookupRead(db, keyOf(argv[1]!));
  const foundB = node.lookupRead(db, keyOf(argv[2]!));
  if ((foundA !== undefined && !(foundA instanceof Uint8Array)) || (foundB !== undefined && !(foundB instanceof Uint8Array))) {
    node.replyError(c, "ERR The specified keys must contain string values");
    return;
  }
  const a = foundA ?? EMPTY;
  const b = foundB ?? EMPTY;
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = word(argv[j]!);
    const moreArgs = argv.length - 1 - j;
    if (opt === "idx") getIdx = true;
    else if (opt === "len") getLen = true;
    else if (opt === "withmatchlen") withMatchLen = true;
    else if (opt === "minmatchlen" && moreArgs > 0) {
      const n = parseInt64(argv[j + 1]!);
      if (n === undefined) {
        node.replyError(c, ERR_NOT_INTEGER);
        return;
      }
      minMatchLen = n < 0n ? 0 : n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
      j++;
    } else {
      node.replyError(c, ERR_SYNTAX);
      return;
    }
  }
  if (getLen && getIdx) {
    node.replyError(c, "ERR If you want both the length and indexes, please just use IDX.");
    return;
  }
  const alen = a.length;
  const blen = b.length;
  const width = blen + 1;
  const cells = (alen + 1) * width;
  if (cells * 4 > node.config["proto-max-bulk-len"]) {
    node.replyError(c, "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    return;
  }
  let lcs: Uint32Array;
  try {
    lcs = new Uint32Array(cells);
  } catch {
    node.replyError(c, "ERR Insufficient memory, failed allocating transient memory for LCS");
    return;
  }
  // Row 0 and column 0 stay 0.
  for (let i = 1; i <= alen; i++) {
    const ai = a[i - 1];
    const row = i * width;
    const prev = row - width;
    for (let j = 1; j <= blen; j++) {
      if (ai === b[j - 1]) lcs[row + j] = lcs[prev + j - 1]! + 1;
      else {
        const up = lcs[prev + j]!;
        const left = lcs[row + j - 1]!;
        lcs[row + j] = up > left ? up : left;
      }
    }
  }
  const total = lcs[alen * width + blen]!;
  const computeLcs = getIdx || !getLen;
  const result = computeLcs ? new Uint8Array(total) : EMPTY;
  const ranges: Range[] = [];
  let idx = total;
  // arangeStart === alen: no range open.
  let arangeStart = alen;
  let arangeEnd = 0;
  let brangeStart = 0;
  let brangeEnd = 0;
  let i = alen;
  let j = blen;
  while (computeLcs && i > 0 && j > 0) {
    let emit = false;
    if (a[i - 1] === b[j - 1]) {
      result[idx - 1] = a[i - 1]!;
      if (arangeStart === alen) {
        arangeStart = i - 1;
        arangeEnd = i - 1;
        brangeStart = j - 1;
        brangeEnd = j - 1;
      } else if (arangeStart === i && brangeStart === j) {
        arangeStart--;
        brangeStart--;
      } else {
        emit = true;
      }
      if (arangeStart === 0 || brangeStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (lcs[(i - 1) * width + j]! > lcs[i * width + j - 1]!) i--;
      else j--;
      if (arangeStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = arangeEnd - arangeStart + 1;
      if (minMatchLen === 0 || matchLen >= minMatchLen) ranges.push([arangeStart, arangeEnd, brangeStart, brangeEnd]);
      arangeStart = alen;
    }
  }
  if (getIdx) {
    replyMapHeader(c, 2);
    writeBulk(c.out, MATCHES);
    writeArrayHeader(c.out, ranges.length);
    for (const [as, ae, bs, be] of ranges) {
      writeArrayHeader(c.out, withMatchLen ? 3 : 2);
      writeArrayHeader(c.out, 2);
      writeInteger(c.out, as);
      writeInteger(c.out, ae);
      writeArrayHeader(c.out, 2);
      writeInteger(c.out, bs);
      writeInteger(c.out, be);
      if (withMatchLen) writeInteger(c.out, ae - as + 1);
    }
    writeBulk(c.out, LEN);
    writeInteger(c.out, total);
  } else if (getLen) {
    writeInteger(c.out, total);
  } else {
    writeBulk(c.out, result);
  }
}

export const lcsCommands: readonly CommandSpec[] = [{ name: "lcs", arity: -3, flags: {}, proc: lcsCommand, keys: [1, 2, 1] }];
