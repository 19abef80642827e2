/**
 * The string of a byte range read from an input buffer, kept from one call to the next: a fast
 * path that sees the same key or field again (a hot key, redis-benchmark's one list or field)
 * compares bytes instead of making a new string each time.
 */
import { bytesToBinary } from "../../util/bytes.ts";

export class RecentString {
  private last = "";

  of(data: Uint8Array, start: number, end: number): string {
    const last = this.last;
    const length = end - start;
    if (last.length === length) {
      let i = 0;
      while (i < length && last.charCodeAt(i) === data[start + i]) i++;
      if (i === length) return last;
    }
    return (this.last = bytesToBinary(data, start, end));
  }
}
