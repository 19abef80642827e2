/**
 * DEBUG DIGEST and DIGEST-VALUE as redis 7.0.15 computes them (debug.c computeDatasetDigest,
 * xorObjectDigest), so that a lab node and a real server holding the same data print the same
 * hex. Order-free parts (keys, set members, hash fields, sorted set members) are XORed together;
 * a list mixes its elements in order. Encodings do not matter, only contents and TTL presence.
 */
import { Sha1, sha1 } from "../util/sha1.ts";
import { objectTypeNumber, type RedisValue } from "./store/value.ts";
import type { Database, Keyspace } from "./store/keyspace.ts";
import { formatG17 } from "./numbers.ts";

const EXPIRE_MARK = asciiOf("!!expire!!");

function asciiOf(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** digest ^= SHA1(data) (xorDigest). */
function xorDigest(digest: Uint8Array, data: Uint8Array): void {
  const hash = sha1(data);
  for (let i = 0; i < 20; i++) digest[i]! ^= hash[i]!;
}

/** digest = SHA1(digest ^ SHA1(data)) (mixDigest): order matters. */
function mixDigest(digest: Uint8Array, data: Uint8Array): void {
  xorDigest(digest, data);
  digest.set(new Sha1().update(digest).digest());
}

function uint32BE(value: number): Uint8Array {
  return new Uint8Array([value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]);
}

/** xorObjectDigest: mixes one value (and its TTL's presence) into `digest`. */
export function xorObjectDigest(digest: Uint8Array, value: RedisValue, hasExpire: boolean): void {
  mixDigest(digest, uint32BE(objectTypeNumber(value)));
  if (value instanceof Uint8Array) {
    mixDigest(digest, value);
  } else {
    switch (value.type) {
      case "list":
        for (const item of value) mixDigest(digest, item);
        break;
      case "set":
        for (const member of value.members) xorDigest(digest, asciiOf(member));
        break;
      case "zset":
        for (const node of value) {
          const element = new Uint8Array(20);
          mixDigest(element, asciiOf(node.member));
          mixDigest(element, asciiOf(formatG17(node.score)));
          xorDigest(digest, element);
        }
        break;
      case "hash":
        for (const [field, v] of value.fields) {
          const element = new Uint8Array(20);
          mixDigest(element, asciiOf(field));
          mixDigest(element, v);
          xorDigest(digest, element);
        }
        break;
      default:
        return assertNever(value);
    }
  }
  if (hasExpire) xorDigest(digest, EXPIRE_MARK);
}

/** computeDatasetDigest: the whole keyspace (all zeros when it is empty). */
export function datasetDigest(keyspace: Keyspace): Uint8Array {
  const final = new Uint8Array(20);
  for (const db of keyspace.dbs) {
    if (db.size === 0) continue;
    mixDigest(final, uint32BE(db.id));
    for (const [key, value] of db.dict) {
      const digest = new Uint8Array(20);
      mixDigest(digest, asciiOf(key));
      xorObjectDigest(digest, value, db.expires.has(key));
      xorDigest(final, digest);
    }
  }
  return final;
}

/** DEBUG DIGEST-VALUE for one key (logically expired keys included): zeros when it is missing. */
export function valueDigest(db: Database, key: string): Uint8Array {
  const digest = new Uint8Array(20);
  const value = db.dict.get(key);
  if (value !== undefined) xorObjectDigest(digest, value, db.expires.has(key));
  return digest;
}

export function hex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
