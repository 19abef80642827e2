/**
 * SSDB's wire format as the recorder and the fixture tests need it: the escaped-text form of
 * binary bytes, packet framing (`<len>\n<bytes>\n` per block, then an empty line) and the 10-byte
 * binlog record header. Written from the observed bytes and ssdb-and-legacy-sync.md §A.4–A.5; it is
 * test tooling, independent of the engine, so a fixture test can cross-check what the recorder wrote.
 */
import { binaryToBytes, bytesToBinary, concatBytes } from "../../src/util/bytes.ts";
import type { RecordHeader } from "./fixture-types.ts";

const BACKSLASH = 0x5c;

/** Bytes → escaped text: printable ASCII stays, `\` doubles, anything else becomes `\xNN`. */
export function escapeBytes(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) {
    if (byte === BACKSLASH) out += "\\\\";
    else if (byte >= 0x20 && byte <= 0x7e) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return out;
}

/** Escaped text → bytes (the inverse of `escapeBytes`); throws on a malformed escape. */
export function unescapeBytes(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== BACKSLASH) {
      if (code > 0x7e) throw new Error(`non-ASCII character in escaped text at ${i}`);
      out.push(code);
      continue;
    }
    const next = text[i + 1];
    if (next === "\\") {
      out.push(BACKSLASH);
      i += 1;
    } else if (next === "x" && /^[0-9a-f]{2}$/.test(text.slice(i + 2, i + 4))) {
      out.push(Number.parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      throw new Error(`bad escape at ${i} in ${JSON.stringify(text)}`);
    }
  }
  return Uint8Array.from(out);
}

/** Encodes one packet the way ssdb-server writes it: each block `<len>\n<bytes>\n`, then `\n`. */
export function encodePacket(blocks: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const block of blocks) parts.push(binaryToBytes(`${block.length}\n`), block, binaryToBytes("\n"));
  parts.push(binaryToBytes("\n"));
  return concatBytes(parts);
}

/** The outcome of looking for one packet at the start of a buffer. */
export type PacketParse =
  | { readonly kind: "packet"; readonly blocks: Uint8Array[]; readonly consumed: number; readonly canonical: boolean }
  | { readonly kind: "incomplete" }
  | { readonly kind: "not-ssdb"; readonly reason: string };

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Parses one packet from the start of `buf`. Like ssdb-server's reader it accepts `\r\n` too;
 * `canonical` says whether the bytes are exactly what `encodePacket` would produce. A length line
 * that is not a decimal number means the peer does not speak SSDB framing (e.g. RESP).
 */
export function parsePacket(buf: Uint8Array): PacketParse {
  const blocks: Uint8Array[] = [];
  let at = 0;
  let canonical = true;
  for (;;) {
    const eol = buf.indexOf(NEWLINE, at);
    if (eol < 0) return buf.length - at > 20 ? { kind: "not-ssdb", reason: "length line too long" } : { kind: "incomplete" };
    let lineEnd = eol;
    if (lineEnd > at && buf[lineEnd - 1] === CR) {
      lineEnd -= 1;
      canonical = false;
    }
    if (lineEnd === at) return { kind: "packet", blocks, consumed: eol + 1, canonical };
    const digits = bytesToBinary(buf, at, lineEnd);
    if (!/^\d{1,10}$/.test(digits)) return { kind: "not-ssdb", reason: `length line ${JSON.stringify(digits)}` };
    const length = Number(digits);
    const start = eol + 1;
    if (buf.length < start + length + 1) return { kind: "incomplete" };
    blocks.push(buf.slice(start, start + length));
    let next = start + length;
    if (buf[next] === CR) {
      canonical = false;
      next += 1;
      if (buf.length < next + 1) return { kind: "incomplete" };
    }
    if (buf[next] !== NEWLINE) return { kind: "not-ssdb", reason: "block not ended by a newline" };
    at = next + 1;
  }
}

/** Record types by code (byte 8 of the header). */
export const RECORD_TYPES: Readonly<Record<number, string>> = { 0: "NOOP", 1: "SYNC", 2: "MIRROR", 3: "COPY", 4: "CTRL" };

/** Record commands by code (byte 9 of the header). */
export const RECORD_CMDS: Readonly<Record<number, string>> = {
  0: "NONE",
  1: "KSET",
  2: "KDEL",
  3: "HSET",
  4: "HDEL",
  5: "ZSET",
  6: "ZDEL",
  7: "BEGIN",
  8: "END",
  10: "QPUSH_BACK",
  11: "QPUSH_FRONT",
  12: "QPOP_BACK",
  13: "QPOP_FRONT",
  14: "QSET",
};

/** Length of a binlog record header: seq (8, little-endian), type (1), cmd (1). */
export const RECORD_HEADER_BYTES = 10;

/** Decodes block 1 of a master packet as a binlog record, or null when it is too short to be one. */
export function decodeRecordHeader(block: Uint8Array): RecordHeader | null {
  if (block.length < RECORD_HEADER_BYTES) return null;
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const seq = view.getBigUint64(0, true);
  if (seq > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`seq ${seq} does not fit a JSON number`);
  const type = block[8] ?? 0;
  const cmd = block[9] ?? 0;
  return {
    seq: Number(seq),
    type,
    typeName: RECORD_TYPES[type] ?? `UNKNOWN(${type})`,
    cmd,
    cmdName: RECORD_CMDS[cmd] ?? `UNKNOWN(${cmd})`,
    headerHex: Array.from(block.subarray(0, RECORD_HEADER_BYTES), (b) => b.toString(16).padStart(2, "0")).join(""),
    key: escapeBytes(block.subarray(RECORD_HEADER_BYTES)),
  };
}
