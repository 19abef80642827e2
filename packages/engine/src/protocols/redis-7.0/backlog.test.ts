import { describe, expect, it } from "vitest";
import { ReplicationBacklog, type BacklogReader } from "./backlog.ts";
import { RECORDED_SCENARIOS, type RecordedScenario } from "./backlog.fixtures.ts";
import { jemallocUsableSize } from "./jemalloc.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const SET = enc("SET");
const MULTI = enc("MULTI");
const EXEC = enc("EXEC");
const MB = 1024 * 1024;

/** `*2\r\n$6\r\nSELECT\r\n$<len>\r\n<db>\r\n`, fed by redis as one piece. */
function selectPiece(db: number): Uint8Array {
  const d = String(db);
  return enc(`*2\r\n$6\r\nSELECT\r\n$${d.length}\r\n${d}\r\n`);
}

/** The whole RESP encoding of a command (what a replica applies as one piece). */
function encodeCommand(argv: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [enc(`*${argv.length}\r\n`)];
  for (const a of argv) parts.push(enc(`$${a.length}\r\n`), a, enc("\r\n"));
  return concat(parts);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Feeds the master's pieces by hand: `*argc\r\n`, then `$len\r\n`, bytes, `\r\n` per argument. */
function feedPiecewise(b: ReplicationBacklog, argv: readonly Uint8Array[]): void {
  b.feed(enc(`*${argv.length}\r\n`));
  for (const a of argv) {
    b.feed(enc(`$${a.length}\r\n`));
    b.feed(a);
    b.feed(enc("\r\n"));
  }
}

/** Byte equality without vitest's per-element diffing (slow on megabytes). */
function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

const values = new Map<number, Uint8Array>();
function value(n: number): Uint8Array {
  let v = values.get(n);
  if (v === undefined) {
    v = new Uint8Array(n).fill(0x78);
    values.set(n, v);
  }
  return v;
}
const keyOf = (i: number): Uint8Array => enc(`k${String(i).padStart(5, "0")}`);

/** A backlog of 16384 bytes makes 20440-byte blocks for small writes (16424 → 20480 class). */
const SMALL = 16384;
const BLOCK = 20440;

describe("jemalloc size classes", () => {
  it("BL-3 rounds to 2^k + j·2^(k−2) above 128 bytes", () => {
    expect([16384, 16385, 16424, 20481, 32768, 40040, 65576, 150040].map(jemallocUsableSize)).toEqual([
      16384, 20480, 20480, 24576, 32768, 40960, 81920, 163840,
    ]);
    expect([1, 8, 9, 17, 128, 129, 257].map(jemallocUsableSize)).toEqual([8, 8, 16, 32, 128, 160, 320]);
  });
});

describe("ReplicationBacklog block model", () => {
  it("BL-1 a fresh backlog holds nothing and shows first byte = master_repl_offset + 1", () => {
    const b = new ReplicationBacklog(MB, 1001);
    expect([b.firstByteOffset, b.histlen, b.endOffset, b.blockCount(), b.memoryBytes()]).toEqual([1001, 0, 1000, 0, 0]);
    expect(b.contains(1001)).toBe(true);
    expect(b.contains(1000)).toBe(false);
    expect(b.contains(1002)).toBe(false);
    b.feed(enc("*1\r\n$4\r\nping\r\n"));
    expect([b.firstByteOffset, b.histlen, b.endOffset]).toEqual([1001, 14, 1014]);
  });

  it("BL-2 block capacity is the jemalloc class of min(max(rest of piece, 16 KiB), max(size/16, 16 KiB)) + 40, minus 40", () => {
    const b = new ReplicationBacklog(MB, 1);
    b.feed(value(10));
    expect(b.memoryBytes()).toBe(20440 + 40);
    // Tail has 20430 free; the 100000-byte piece leaves 79570, capped at 65536 → class 81920.
    b.feed(value(100000));
    expect(b.memoryBytes()).toBe(20480 + 81920);
    const big = new ReplicationBacklog(100_000_000, 1);
    big.feed(value(150000)); // request 150000 → 150040 → 163840 (limit is 6.25 MB)
    expect(big.memoryBytes()).toBe(163840);
    const mid = new ReplicationBacklog(MB, 1);
    mid.feed(value(40000)); // 40040 → 40960
    expect(mid.memoryBytes()).toBe(40960);
  });

  it("BL-4 a piece first fills the tail, and the rest sizes the next block, so piece boundaries matter", () => {
    const one = new ReplicationBacklog(MB, 1);
    one.feed(value(40000));
    const four = new ReplicationBacklog(MB, 1);
    for (let i = 0; i < 4; i++) four.feed(value(10000));
    expect([one.blockCount(), one.memoryBytes()]).toEqual([1, 40960]);
    expect([four.blockCount(), four.memoryBytes()]).toEqual([2, 2 * 20480]);
    expect(one.histlen).toBe(four.histlen);
  });

  it("BL-5 trim drops a whole first block only if what remains still exceeds repl-backlog-size", () => {
    const b = new ReplicationBacklog(SMALL, 1);
    b.feed(value(BLOCK));
    b.trim();
    expect([b.blockCount(), b.firstByteOffset, b.histlen]).toEqual([1, 1, BLOCK]); // never below one block
    b.feed(value(SMALL)); // histlen 36824: dropping the first block would leave exactly 16384
    b.trim();
    expect([b.blockCount(), b.firstByteOffset]).toEqual([2, 1]);
    b.feed(value(1));
    expect(b.firstByteOffset).toBe(1); // no new block, so no trim while feeding
    b.trim(); // beforeSleep
    expect([b.blockCount(), b.firstByteOffset, b.histlen]).toEqual([1, BLOCK + 1, SMALL + 1]);
  });

  it("BL-6 trim also runs after each block added while feeding, 64 blocks per call; beforeSleep allows 640", () => {
    const b = new ReplicationBacklog(SMALL, 1);
    b.feed(value(5 * BLOCK + 1)); // one piece, six blocks; each new block trims
    expect([b.blockCount(), b.firstByteOffset]).toEqual([2, 4 * BLOCK + 1]);

    const big = new ReplicationBacklog(100_000_000, 1);
    for (let i = 0; i < 720; i++) big.feed(value(BLOCK)); // exactly one block per piece
    expect(big.blockCount()).toBe(720);
    big.resize(SMALL);
    expect(big.blockCount()).toBe(720 - 64);
    expect(big.trim()).toBe(640);
    expect(big.trim()).toBe(15);
    expect([big.blockCount(), big.histlen]).toEqual([1, BLOCK]);
  });

  it("BL-7 CONFIG SET repl-backlog-size raises values under 16 KiB to 16 KiB and trims", () => {
    const b = new ReplicationBacklog(MB, 1);
    for (let i = 0; i < 10; i++) b.feed(value(BLOCK));
    b.resize(100);
    expect(b.sizeBytes).toBe(SMALL);
    expect([b.blockCount(), b.firstByteOffset]).toEqual([1, 9 * BLOCK + 1]);
    b.resize(5 * MB); // growing keeps everything and changes future block sizes (limit 327680)
    b.feed(value(200000));
    expect(b.memoryBytes()).toBe(20480 + jemallocUsableSize(200040));
  });

  it("BL-13 contains() is the PSYNC range [first, first + histlen] and copyFrom() returns the stream bytes", () => {
    const b = new ReplicationBacklog(SMALL, 1);
    const stream = new Uint8Array(3 * BLOCK + 123);
    for (let i = 0; i < stream.length; i++) stream[i] = (i * 7 + 3) & 0xff;
    for (let at = 0; at < stream.length; at += 999) b.feed(stream, at, Math.min(stream.length, at + 999));
    b.trim();
    const first = b.firstByteOffset;
    expect(first).toBeGreaterThan(1);
    expect(b.contains(first - 1)).toBe(false);
    expect(b.contains(b.endOffset + 1)).toBe(true);
    expect(b.contains(b.endOffset + 2)).toBe(false);
    expect(sameBytes(b.copyFrom(first), stream.subarray(first - 1))).toBe(true);
    expect(b.copyFrom(b.endOffset - 5)).toEqual(stream.subarray(stream.length - 6));
    expect(b.copyFrom(b.endOffset + 1)).toEqual(new Uint8Array(0));
    expect(() => b.copyFrom(first - 1)).toThrow(RangeError);
  });

  it("BL-14 memory: blocks + 40-byte headers; repl_buffer_mem adds 24 per list node", () => {
    const b = new ReplicationBacklog(MB, 1);
    b.feed(value(10));
    b.feed(value(BLOCK));
    expect(b.memoryBytes()).toBe(2 * 20480);
    expect(b.replicationBufferMemory()).toBe(2 * (20480 + 24));
  });

  it("BL-15 feedCommand feeds exactly the master's pieces, fast path or not", () => {
    const sizes = [0, 1, 9, 10, 99, 100, 1000, 16300, 16384, 20400, 20440, 40000, 65536, 81880, 150000];
    const a = new ReplicationBacklog(MB, 1);
    const p = new ReplicationBacklog(MB, 1);
    let seed = 7;
    for (let i = 0; i < 600; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const n = i % 3 === 0 ? sizes[seed % sizes.length]! : seed % 3000;
      const argv = i % 5 === 0 ? [MULTI] : [SET, keyOf(i), value(n)];
      a.feedCommand(argv);
      feedPiecewise(p, argv);
      a.trim();
      p.trim();
      expect([a.endOffset, a.firstByteOffset, a.blockCount(), a.memoryBytes()]).toEqual([
        p.endOffset, p.firstByteOffset, p.blockCount(), p.memoryBytes(),
      ]);
    }
    expect(sameBytes(a.copyFrom(a.firstByteOffset), p.copyFrom(p.firstByteOffset))).toBe(true);
    const h = new ReplicationBacklog(MB, 1);
    h.feedArrayHeader(3);
    h.feedBulkHeader(1234567);
    h.feedCommand([SET, enc("k"), enc("")]);
    expect(new TextDecoder().decode(h.copyFrom(1))).toBe("*3\r\n$1234567\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
  });

  it("BL-16 rebase moves every offset (loading an RDB with replication info)", () => {
    const b = new ReplicationBacklog(MB, 1);
    b.feed(enc("hello"));
    b.rebase(1000);
    expect([b.firstByteOffset, b.endOffset, b.histlen]).toEqual([1001, 1005, 5]);
    expect(new TextDecoder().decode(b.copyFrom(1003))).toBe("llo");
  });

  it("BL-18 reproduces redis-observed.md §6: 1300 × SET k%05d <1000 bytes>, the first preceded by SELECT", () => {
    // Rows from redis-observed.md §6 (server 6393); memory re-recorded from a real 7.0.15.
    const expected = new Map([
      [0, [1057, 1, 1057, 20504]],
      [1033, [1069179, 20441, 1048739, 1066208]],
      [1053, [1089859, 40881, 1048979, 1066208]],
      [1073, [1110539, 61321, 1049219, 1066208]],
      [1290, [1334917, 286161, 1048757, 1066208]],
    ]);
    const b = new ReplicationBacklog(MB, 1);
    b.feed(selectPiece(0));
    for (let i = 0; i < 1300; i++) {
      b.feedCommand([SET, keyOf(i), value(1000)]);
      b.trim();
      const row = expected.get(i);
      if (row !== undefined) {
        expect([b.endOffset, b.firstByteOffset, b.histlen, b.replicationBufferMemory()], `row ${i}`).toEqual(row);
      }
    }
  });
});

describe("BacklogReader (replica references)", () => {
  it("BL-8 a reader pins the block holding its first unsent byte, so the backlog outgrows its size", () => {
    const b = new ReplicationBacklog(SMALL, 1);
    const r = b.openReaderAtNextFeed();
    for (let i = 0; i < 10; i++) b.feed(value(BLOCK));
    b.trim();
    expect([b.blockCount(), b.firstByteOffset, b.histlen]).toEqual([10, 1, 10 * BLOCK]);
    expect(r.blocksHeld()).toBe(10);
    expect(r.outputBufferMemory()).toBe(10 * BLOCK + 10 * 64);
    r.close();
    expect([b.blockCount(), b.firstByteOffset]).toEqual([1, 9 * BLOCK + 1]);
  });

  it("BL-9 a reader moves on only after sending a whole block and only if a next block exists", () => {
    const b = new ReplicationBacklog(SMALL, 1);
    const r = b.openReaderAtNextFeed();
    b.feed(value(BLOCK));
    expect(r.readAll().length).toBe(BLOCK);
    expect([r.offset, r.pendingBytes, r.blocksHeld()]).toEqual([BLOCK + 1, 0, 1]);
    b.feed(value(BLOCK)); // the caught-up reader still holds the first block
    b.trim();
    expect([b.blockCount(), b.firstByteOffset]).toEqual([2, 1]);
    expect(r.read(100).length).toBe(100); // moves to block 2 (trim), then sends 100 bytes
    expect([b.blockCount(), b.firstByteOffset, r.offset, r.blocksHeld()]).toEqual([1, BLOCK + 1, BLOCK + 101, 1]);
    expect(r.readAll().length).toBe(BLOCK - 100);
    expect(r.readAll().length).toBe(0);
  });

  it("BL-20 a short write that ends exactly at a block end still moves the reader (as _writeToClient)", () => {
    const b = new ReplicationBacklog(MB, 1);
    const r = b.openReaderAtNextFeed();
    b.feed(value(BLOCK + 10));
    expect(r.read(BLOCK).length).toBe(BLOCK);
    expect([r.offset, r.blocksHeld()]).toEqual([BLOCK + 1, 1]);
    expect(r.read(0).length).toBe(0);
    expect(r.readAll().length).toBe(10);
  });

  it("BL-10 a full-sync reader attaches at the next piece: in the tail if it has room, else in the new block", () => {
    const b = new ReplicationBacklog(SMALL, 1);
    b.feed(value(10));
    const r = b.openReaderAtNextFeed();
    expect([r.offset, r.blocksHeld(), r.outputBufferMemory()]).toEqual([11, 0, 0]);
    b.feed(value(5));
    expect([r.offset, r.pendingBytes, r.blocksHeld(), r.outputBufferMemory()]).toEqual([11, 5, 1, BLOCK + 64]);
    b.feed(value(BLOCK - 15)); // tail now exactly full
    const s = b.openReaderAtNextFeed();
    b.feed(value(1));
    expect([s.offset, s.blocksHeld(), r.blocksHeld()]).toEqual([BLOCK + 1, 1, 2]);
    s.close();
    r.close();
  });

  it("BL-11 PSYNC readers pin the first block with repl_offset + used ≥ offset; none if histlen is 0", () => {
    const b = new ReplicationBacklog(SMALL, 1);
    b.feed(value(BLOCK));
    b.feed(value(100));
    const r = b.openReader(BLOCK + 1); // right after a full block: redis picks that full block
    expect([r.offset, r.pendingBytes, r.blocksHeld()]).toEqual([BLOCK + 1, 100, 2]);
    b.feed(value(SMALL)); // histlen would allow dropping block 1, but r holds it
    b.trim();
    expect(b.firstByteOffset).toBe(1);
    expect(r.readAll().length).toBe(100 + SMALL);
    expect(b.firstByteOffset).toBe(BLOCK + 1);
    expect(() => b.openReader(1)).toThrow(RangeError);

    const empty = new ReplicationBacklog(MB, 501);
    const e = empty.openReader(501);
    expect(e.blocksHeld()).toBe(0);
    empty.feed(enc("abc"));
    expect([e.offset, e.blocksHeld(), new TextDecoder().decode(e.readAll())]).toEqual([501, 1, "abc"]);
  });

  it("BL-12 closing releases the block and trims with the 64-block budget; beforeSleep does the rest", () => {
    const b = new ReplicationBacklog(SMALL, 1);
    const r = b.openReaderAtNextFeed();
    for (let i = 0; i < 100; i++) b.feed(value(BLOCK));
    b.trim();
    r.close();
    r.close();
    expect(b.blockCount()).toBe(100 - 64);
    b.trim();
    expect(b.blockCount()).toBe(1);
    expect(() => r.readAll()).toThrow();
  });

  it("BL-17 fork shares the position (copyReplicaOutputBuffer); both must let go before trimming", () => {
    const b = new ReplicationBacklog(SMALL, 1);
    const r = b.openReaderAtNextFeed();
    const pending = r.fork(); // unattached stays unattached
    b.feed(value(10));
    const f = r.fork();
    expect([pending.offset, f.offset, f.blocksHeld()]).toEqual([1, 1, 1]);
    for (let i = 0; i < 4; i++) b.feed(value(BLOCK));
    r.readAll();
    pending.close();
    b.trim();
    expect(b.firstByteOffset).toBe(1);
    f.readAll();
    b.trim();
    expect(b.firstByteOffset).toBeGreaterThan(1);
  });

  it("a read within one block is a view of it that keeps its bytes after the block is dropped", () => {
    const b = new ReplicationBacklog(SMALL, 1);
    const r = b.openReaderAtNextFeed();
    const stream: Uint8Array[] = [];
    const sent: Uint8Array[] = [];
    // Pieces of many sizes, read in steps of many sizes: views within a block, copies across two.
    for (let i = 0; i < 400; i++) {
      const piece = new Uint8Array(1 + ((i * 7919) % 3000)).fill(i % 251);
      b.feed(piece);
      stream.push(piece);
      sent.push(r.read(1 + ((i * 104729) % 5000)));
      b.trim();
    }
    sent.push(r.readAll());
    // Blocks were dropped (and new ones made) long before the end: what was read is unchanged.
    expect(b.firstByteOffset).toBeGreaterThan(100_000);
    const got = concat(sent);
    const want = concat(stream);
    expect(got.length).toBe(want.length);
    expect(got.findIndex((byte, i) => byte !== want[i])).toBe(-1);
  });
});

/**
 * Replays a recorded scenario (see backlog.fixtures.ts) through the model, with the same rules the
 * real server follows: master pieces per argument, SELECT when the db changes or after a full sync,
 * MULTI/EXEC around 2+ commands, readers that read everything at the end of each command, and a
 * beforeSleep trim after every op.
 */
function replay(scenario: RecordedScenario): void {
  const ops: string[] = [];
  for (const token of scenario.ops.split(" ")) {
    const [op, times] = token.split("*");
    for (let i = 0; i < Number(times ?? 1); i++) ops.push(op!);
  }
  const checkpoints = new Map(scenario.checkpoints.map((row) => [row[0] as number, row.slice(1)]));
  let master: ReplicationBacklog | null = null;
  let replica: ReplicationBacklog | null = null;
  const readers: { reader: BacklogReader; drains: boolean }[] = [];
  let slaveSelDb = -1;
  let replicaSelDb = -1;
  let db = 0;
  let key = 0;
  if (scenario.init === "disconnected") master = new ReplicationBacklog(MB, 1);
  if (scenario.init === "real-replica") {
    master = new ReplicationBacklog(MB, 1);
    readers.push({ reader: master.openReaderAtNextFeed(), drains: true });
    replica = new ReplicationBacklog(MB, 1);
  }
  const propagate = (commands: Uint8Array[][]): void => {
    if (master !== null) {
      if (slaveSelDb !== db) {
        master.feed(selectPiece(db));
        slaveSelDb = db;
      }
      for (const argv of commands) master.feedCommand(argv);
    }
    if (replica !== null) {
      // The replica applies SELECT as its own command, then the rest as one piece.
      if (replicaSelDb !== db) {
        replica.feed(selectPiece(db));
        replicaSelDb = db;
      }
      replica.feed(concat(commands.map(encodeCommand)));
      replica.trim();
    }
  };
  let checked = 0;
  ops.forEach((op, step) => {
    const kind = op[0];
    const n = Number(op.slice(1));
    if (kind === "s") {
      propagate([[SET, keyOf(key++), value(n)]]);
    } else if (kind === "m") {
      const sets = op.slice(1).split(",").map((size) => [SET, keyOf(key++), value(Number(size))]);
      propagate(sets.length > 1 ? [[MULTI], ...sets, [EXEC]] : sets);
    } else if (kind === "c") {
      master?.resize(n);
      if (replica !== null) {
        replica.resize(n);
        replica.trim();
      }
    } else if (kind === "d") {
      db = n;
    } else if (kind === "a" || kind === "A") {
      master ??= new ReplicationBacklog(MB, 1);
      slaveSelDb = -1; // replicationSetupSlaveForFullResync
      readers.push({ reader: master.openReaderAtNextFeed(), drains: kind === "A" });
    } else if (kind === "p") {
      readers.push({ reader: master!.openReader(n), drains: true });
    } else if (kind === "x") {
      readers[n]!.reader.close();
      while (master!.trim() > 0) {
        // The server idled for several event-loop turns, each ending with a beforeSleep trim.
      }
    } else {
      throw new Error(`unknown op ${op}`);
    }
    if (master !== null) {
      for (const r of readers) if (r.drains && r.reader.isOpen) r.reader.readAll();
      master.trim();
    }
    const want = checkpoints.get(step);
    if (want === undefined) return;
    const open = readers.filter((r) => r.reader.isOpen).map((r) => r.reader.blocksHeld());
    const got: (number | string)[] = master === null ? [0, 0, 0, 0] : [master.endOffset, master.firstByteOffset, master.histlen, master.replicationBufferMemory()];
    got.push(...open);
    if (replica !== null) got.push("r", replica.endOffset, replica.firstByteOffset, replica.histlen);
    expect(got, `${scenario.name} step ${step} (${op})`).toEqual(want);
    checked++;
  });
  expect(checked).toBe(checkpoints.size);
}

describe("BL-19 recorded redis-server 7.0.15 scenarios", () => {
  for (const scenario of RECORDED_SCENARIOS) {
    it(`BL-19 ${scenario.name}: ${scenario.description}`, () => {
      replay(scenario);
    });
  }
});
