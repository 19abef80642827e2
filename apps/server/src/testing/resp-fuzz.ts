/**
 * A seeded generator of malformed and hostile RESP input (issue 12's fuzzer). Each case is the byte
 * stream of one client connection: a run of fragments the server parses and answers without closing
 * the connection (unknown commands with binary names, known ones with the wrong number of
 * arguments, arguments with random bytes or changed case, inline lines with escaped quotes, NUL
 * bytes, odd line ends, empty and negative multibulk counts, ordinary commands between them), and
 * usually one last fragment that may end it or leave it waiting (RESP headers mutated: counts and
 * lengths out of range, negative, not numbers, not matching the data; a byte flipped, cut short or
 * inserted; unbalanced quotes; a line over 64 KiB). Only the last fragment may end the connection,
 * so every other one reaches the parser.
 *
 * Every command's reply depends only on the connection itself (its own keys, its own SELECT and
 * MULTI), so cases can run concurrently and a lab node must answer each byte for byte as a real
 * redis-server 7.0.15 does. Each case stays well under the server's limits (it is about parsing and
 * replies, not memory), so neither side's memory policy changes an answer. The crashes of issue 12
 * (replies and query buffers past typed-array limits) have their own tests over real sockets
 * (`resp/hostile-input.test.ts`, `resp/memory-limits.test.ts`).
 */

/** A small fast PRNG (mulberry32): the same seed gives the same cases. */
export class FuzzRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** One of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** One connection's input. */
export interface FuzzCase {
  readonly id: number;
  readonly bytes: Uint8Array;
  /** Fragments in it (each a malformed, hostile or ordinary request). */
  readonly fragments: number;
  /** Of those, the malformed and hostile ones (all but well-formed ordinary commands). */
  readonly hostile: number;
}

/** Bytes as a latin1 string (one char per byte): cheap to build, converted once per case. */
type Bytes = string;

const latin1 = (text: string): Bytes => text;

/** `*<n>\r\n$<len>\r\n<arg>\r\n...` */
function resp(args: readonly Bytes[]): Bytes {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${arg.length}\r\n${arg}\r\n`;
  return out;
}

/** `count` random bytes. */
function randomBytes(r: FuzzRandom, count: number): Bytes {
  let out = "";
  for (let i = 0; i < count; i++) out += String.fromCharCode(r.int(256));
  return out;
}

const STRING_COMMANDS: readonly { name: string; args: (r: FuzzRandom, key: () => Bytes, value: () => Bytes) => Bytes[] }[] = [
  { name: "PING", args: (r, _k, v) => (r.chance(0.5) ? [] : [v()]) },
  { name: "ECHO", args: (_r, _k, v) => [v()] },
  { name: "SET", args: (r, k, v) => [k(), v(), ...(r.chance(0.2) ? [latin1(r.pick(["NX", "XX", "GET", "KEEPTTL", "nx", "BOGUS"]))] : [])] },
  { name: "GET", args: (_r, k) => [k()] },
  { name: "DEL", args: (r, k) => Array.from({ length: 1 + r.int(3) }, k) },
  { name: "EXISTS", args: (r, k) => Array.from({ length: 1 + r.int(3) }, k) },
  { name: "INCR", args: (_r, k) => [k()] },
  { name: "DECR", args: (_r, k) => [k()] },
  { name: "INCRBY", args: (r, k) => [k(), latin1(r.pick(["1", "-5", "9223372036854775807", "abc", "1.5", "", "-0"]))] },
  { name: "APPEND", args: (_r, k, v) => [k(), v()] },
  { name: "STRLEN", args: (_r, k) => [k()] },
  { name: "MSET", args: (r, k, v) => Array.from({ length: 2 * (1 + r.int(3)) }, (_x, i) => (i % 2 === 0 ? k() : v())) },
  { name: "MGET", args: (r, k) => Array.from({ length: 1 + r.int(4) }, k) },
  { name: "GETSET", args: (_r, k, v) => [k(), v()] },
  { name: "SETNX", args: (_r, k, v) => [k(), v()] },
  { name: "GETDEL", args: (_r, k) => [k()] },
  { name: "TYPE", args: (_r, k) => [k()] },
  { name: "GETRANGE", args: (r, k) => [k(), latin1(String(r.int(20) - 10)), latin1(String(r.int(20) - 10))] },
  { name: "SELECT", args: (r) => [latin1(r.pick(["0", "1", "15", "16", "-1", "x", "3"]))] },
  { name: "MULTI", args: () => [] },
  { name: "EXEC", args: () => [] },
  { name: "DISCARD", args: () => [] },
];

/** Makes the cases of one seed, in order. */
export class RespFuzzer {
  private readonly random: FuzzRandom;
  private caseCounter = 1;

  constructor(
    seed: number,
    /** Prefix of every key, so that several runs never share keys. */
    private readonly keyPrefix: string,
  ) {
    this.random = new FuzzRandom(seed);
  }

  /**
   * The next case: 1 to `maxFragments` fragments that keep the connection open (each is parsed and
   * answered, or silently skipped as redis skips an empty line), then usually one that may end it
   * (a protocol error, a header that swallows what follows, a line over 64 KiB). Only the last may
   * end the connection, so every fragment sent reaches the parser.
   */
  nextCase(maxFragments: number): FuzzCase {
    const id = this.caseCounter++;
    const r = this.random;
    const count = 1 + r.int(maxFragments);
    let bytes: Bytes = "";
    let hostile = 0;
    for (let i = 0; i < count; i++) {
      const fragment = this.fragment(id);
      bytes += fragment.bytes;
      if (fragment.hostile) hostile++;
    }
    const last = r.chance(0.8);
    if (last) bytes += this.lastFragment(id);
    return { id, bytes: new Uint8Array(Buffer.from(bytes, "latin1")), fragments: count + (last ? 1 : 0), hostile: hostile + (last ? 1 : 0) };
  }

  /** A fragment after which the connection goes on (an ordinary command, or a hostile one redis answers). */
  private fragment(caseId: number): { readonly bytes: Bytes; readonly hostile: boolean } {
    const r = this.random;
    const roll = r.next();
    if (roll < 0.25) return { bytes: this.ordinary(caseId), hostile: false };
    if (roll < 0.45) return { bytes: this.unknownOrArity(caseId), hostile: true };
    if (roll < 0.6) return { bytes: this.inlineAnswered(caseId), hostile: true };
    if (roll < 0.9) return { bytes: this.argumentsMutated(caseId), hostile: true };
    return { bytes: this.headerAnswered(caseId), hostile: true };
  }

  /** A fragment that may end the connection or swallow what follows: only ever a case's last. */
  private lastFragment(caseId: number): Bytes {
    const r = this.random;
    const roll = r.next();
    if (roll < 0.6) return this.mutated(caseId);
    if (roll < 0.8) return this.hostileHeader();
    if (roll < 0.95) return this.inlineEnding(caseId);
    // A line over 64 KiB, with no line end after it: redis answers "too big ..." once it holds
    // more than 64 KiB of it, however its reads were cut. (With more input after it, whether the
    // line end arrives in the same read as the 64 KiB decides, and that depends on how the kernel
    // and redis happen to cut the stream.)
    return this.overlongLine();
  }

  /**
   * A key of the case: `<prefix>:<case>:<n>:<case>.`. The case's id is written twice and the key
   * ends with a dot, so no byte flipped, inserted or cut off by a mutation makes it another case's
   * key (cases run concurrently, in a different order on the two servers).
   */
  private keyName(caseId: number, n: number): Bytes {
    return latin1(`${this.keyPrefix}:${caseId}:${n}:${caseId}.`);
  }

  private key(caseId: number): () => Bytes {
    return () => this.keyName(caseId, this.random.int(4));
  }

  private value(): Bytes {
    const r = this.random;
    switch (r.int(5)) {
      case 0:
        return latin1(String(r.int(2000) - 1000));
      case 1:
        return "";
      case 2:
        return randomBytes(r, 1 + r.int(40));
      case 3:
        return latin1("x".repeat(r.int(3000)));
      default:
        return latin1(r.pick(["hi there", "a b", '"quoted"', "\\x41", "line\r\nbreak", "tab\tnul\u0000", "9223372036854775808"]));
    }
  }

  private ordinary(caseId: number): Bytes {
    const command = this.random.pick(STRING_COMMANDS);
    return resp([latin1(this.random.chance(0.2) ? command.name.toLowerCase() : command.name), ...command.args(this.random, this.key(caseId), () => this.value())]);
  }

  private unknownOrArity(caseId: number): Bytes {
    const r = this.random;
    if (r.chance(0.5)) {
      // A name no command has (a prefix redis never uses), sometimes binary, with arguments.
      const name = r.chance(0.5) ? latin1(`zz${Math.floor(r.next() * 1e9).toString(36)}`) : `zz${randomBytes(r, 1 + r.int(8))}`;
      return resp([name, ...Array.from({ length: r.int(5) }, () => this.value())]);
    }
    const command = r.pick(STRING_COMMANDS.filter((c) => c.name !== "PING"));
    const wrong = Math.max(0, command.args(r, this.key(caseId), () => this.value()).length + r.pick([-2, -1, 3, 7]));
    // Every argument is one of the case's keys: where the count happens to be right (MSET with two
    // pairs fewer, EXISTS or MGET with three more), every key read or written is still the case's
    // own, and no case sees what another one did.
    return resp([latin1(command.name), ...Array.from({ length: wrong }, this.key(caseId))]);
  }

  /** An inline line redis parses and answers (an error at most), with one of the line ends it accepts. */
  private inlineAnswered(caseId: number): Bytes {
    const r = this.random;
    const key = this.keyName(caseId, 0);
    const line = r.pick([
      `SET ${key} 'single quoted' extra`,
      `ECHO "\\x41\\x4g\\n\\t" tail`,
      `ECHO 'a\\'b'`,
      `   `,
      ``,
      `GET ${key}`,
      `ECHO ${"y".repeat(r.pick([10, 1000, 3000]))}`,
      `zzinline arg1 arg2`,
      `SET ${key} ok`,
      `get\t${key}`,
    ]);
    return latin1(line + r.pick(["\r\n", "\n", "\r\r\n"]));
  }

  /**
   * An inline line that ends the connection (unbalanced quotes) or runs into what follows (a lone
   * CR, no line end at all).
   */
  private inlineEnding(caseId: number): Bytes {
    const r = this.random;
    const key = this.keyName(caseId, 0);
    const line = r.pick([`SET ${key} "unbalanced`, `ECHO "closing"quote`, `"`, `ECHO 'open`, `SET ${key} ok`, `PING`, `PING\u0000hidden`]);
    return latin1(line + r.pick(["\r\n", "\n", "\r", ""]));
  }

  /**
   * A well-framed request whose arguments are mangled: bytes of the name or an argument replaced
   * by random ones, the name's case changed, an argument emptied or doubled.
   */
  private argumentsMutated(caseId: number): Bytes {
    const r = this.random;
    const command = r.pick(STRING_COMMANDS);
    const args = [latin1(command.name), ...command.args(r, this.key(caseId), () => this.value())];
    const at = r.int(args.length);
    const arg = args[at]!;
    switch (r.int(4)) {
      case 0: {
        // Random bytes over part of it (a key so mangled is still the case's own: only its tail changes).
        const from = at === 0 ? r.int(arg.length + 1) : Math.max(arg.lastIndexOf(":") + 1, r.int(arg.length + 1));
        args[at] = arg.slice(0, from) + randomBytes(r, 1 + r.int(6));
        break;
      }
      case 1:
        args[at] = Array.from(arg, (c) => (r.chance(0.5) ? c.toLowerCase() : c.toUpperCase())).join("");
        break;
      case 2:
        if (at > 0 && !arg.startsWith(`${this.keyPrefix}:`)) args[at] = "";
        break;
      default:
        if (at > 0) args.splice(at, 0, arg);
        break;
    }
    return resp(args);
  }

  private mutated(caseId: number): Bytes {
    const r = this.random;
    const base = this.ordinary(caseId);
    const copy = Array.from(base, (c) => c.charCodeAt(0));
    const text = (codes: readonly number[]): Bytes => String.fromCharCode(...codes);
    switch (r.int(7)) {
      case 0: {
        // Flip one byte.
        const at = r.int(copy.length);
        copy[at] = r.int(256);
        return text(copy);
      }
      case 1:
        // Cut short.
        return base.slice(0, r.int(base.length));
      case 2: {
        // Drop a CR or an LF.
        const at = copy.findIndex((b, i) => i >= r.int(copy.length) && (b === 13 || b === 10));
        if (at >= 0) copy.splice(at, 1);
        return text(copy);
      }
      case 3: {
        // Insert bytes: line ends, NULs, markers.
        const at = r.int(base.length + 1);
        return base.slice(0, at) + r.pick(["\r\n", "\u0000", "*", "$", "\r", "\n\n", "-1", "*-1\r\n"]) + base.slice(at);
      }
      case 4: {
        // Rewrite the multibulk count.
        const end = base.indexOf("\r");
        return `*${r.pick(["-1", "0", "+3", "3a", "", " 2", "2147483647", "2147483648", "99999999999999999999", "0x10"])}${base.slice(end)}`;
      }
      case 5: {
        // Rewrite a bulk length.
        const dollar = base.indexOf("$", r.int(base.length));
        if (dollar < 0) return base;
        const end = base.indexOf("\r", dollar);
        if (end < 0) return base;
        return base.slice(0, dollar + 1) + r.pick(["-1", "-5", "536870913", "9223372036854775808", "abc", "", "1 ", "0"]) + base.slice(end);
      }
      default:
        // Two requests run together with the line end between them missing.
        return base.slice(0, base.length - 2) + this.ordinary(caseId);
    }
  }

  /** A line over 64 KiB: an inline one, a multibulk count, or a bulk length. */
  private overlongLine(): Bytes {
    return this.random.pick([`ECHO ${"y".repeat(70_000)}`, `*${"9".repeat(70_000)}`, `*1\r\n$${"1".repeat(70_000)}`]);
  }

  /** Headers and lines redis reads and answers or skips, the connection going on. */
  private headerAnswered(caseId: number): Bytes {
    if (this.random.chance(0.1)) return `*3\r\n$3\r\nSET\r\n${resp([this.keyName(caseId, 1)]).slice(4)}$0\r\n\r\n`;
    return latin1(
      this.random.pick([
        "*0\r\n",
        "*-1\r\n",
        "*-5\r\n",
        "$4\r\nPING\r\n",
        "+PING\r\n",
        ":1\r\n",
        "\r\n\r\n\r\n",
        "\n",
        "*2\r\n$4\r\nECHO\r\n$3\r\nab\u0000\r\n",
        "*1\r\n$4\r\nping\r\n",
      ]),
    );
  }

  /** Headers that end the connection with a protocol error, or leave it waiting for more than comes. */
  private hostileHeader(): Bytes {
    const r = this.random;
    return latin1(
      r.pick([
        "*2147483647\r\n$4\r\nPING\r\n",
        "*2147483648\r\n",
        "*1048576\r\n",
        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n",
        "*1\r\n$536870913\r\n",
        "*1\r\n$-1\r\n",
        "*1\r\n+PING\r\n",
        "*1\r\n:4\r\n",
        "*1\r\n$4\r\nPINGxx\r\n",
        "*1\r\n$4\r\nPI",
        "*abc\r\n",
      ]),
    );
  }
}
