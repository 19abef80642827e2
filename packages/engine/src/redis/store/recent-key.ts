/**
 * The last key a SET fast path read, kept beside its bytes: the next request for the same key (a
 * counter, a hot key, redis-benchmark's `key:__rand_int__`) gets the same string back instead of a
 * new one. A string the dict has seen has its hash cached, so the dict's lookups skip hashing it
 * again, and nothing is allocated. A different key costs a byte comparison that usually stops at
 * its last byte.
 */
import { bytesToBinary } from "../../util/bytes.ts";

/** Keys longer than this are not remembered (they are rarely hot, and comparing them costs more). */
const MAX_KEY_BYTES = 64;

export class RecentKey {
  /** Made at the first key, so an idle node carries none. */
  private bytes: Uint8Array | null = null;
  private length = -1;
  private text = "";

  /** The key `data[start, end)` as a byte string (one char per byte), as `bytesToBinary` makes it. */
  of(data: Uint8Array, start: number, end: number): string {
    const length = end - start;
    const bytes = (this.bytes ??= new Uint8Array(MAX_KEY_BYTES));
    if (length === this.length) {
      // From the end: keys of one family (key:1, key:2...) differ there, so a miss stops at once.
      let i = length - 1;
      while (i >= 0 && bytes[i] === data[start + i]) i--;
      if (i < 0) return this.text;
    }
    const text = bytesToBinary(data, start, end);
    if (length <= MAX_KEY_BYTES) {
      for (let i = 0; i < length; i++) bytes[i] = data[start + i]!;
      this.length = length;
      this.text = text;
    }
    return text;
  }
}
