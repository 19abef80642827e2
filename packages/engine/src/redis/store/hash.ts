/**
 * A hash value (t_hash.c): fields to values, byte strings both. Redis 7.0 keeps a small hash as a
 * listpack (fields in insertion order) and converts it for good to a hash table once it holds
 * more than `hash-max-listpack-entries` fields or a field or value longer than
 * `hash-max-listpack-value` bytes. A JS Map keeps insertion order, which is the listpack's order;
 * a real hash table's order depends on its seed, which no two servers share.
 */

export type HashEncoding = "listpack" | "hashtable";

export class HashValue {
  readonly type = "hash" as const;
  /** Field (byte string) to value. */
  readonly fields = new Map<string, Uint8Array>();

  constructor(public encoding: HashEncoding = "listpack") {}

  get length(): number {
    return this.fields.size;
  }

  clone(): HashValue {
    const copy = new HashValue(this.encoding);
    for (const [field, value] of this.fields) copy.fields.set(field, value);
    return copy;
  }
}
