/**
 * A deep copy of an object graph that keeps classes (prototypes), Maps, Sets, arrays and typed
 * arrays, and refuses what it cannot copy faithfully. It is how a lab is forked (`fork.ts`): the
 * engine's state is plain objects and class instances, so copying the graph copies the state.
 *
 * What a generic copy cannot do, the rules say:
 * - `isShared`: module-level objects and functions (kinds, command tables, constants) are kept as
 *   they are, as two labs share them.
 * - `replace`: objects the owner re-creates for the copy (the lab's own listeners).
 * - class rules, by prototype: fields kept as they are (immutable data), copied one level deep,
 *   emptied, or set to a value; and classes whose constructor makes closures over `this`, whose
 *   copy is built by that constructor (`make`) so the closures belong to the copy.
 * - an object whose class has a `copyForFork(copyOf)` method copies itself (a structure holding
 *   what cannot be read from outside, as a WeakMap); `copyOf` copies what it holds.
 *
 * Anything else that is not data (a closure, an iterator, a promise, a weak collection) makes the
 * copy fail with a reason, rather than yield a copy that would share hidden state with its
 * original. The walk is iterative: a long chain of objects cannot overflow the stack.
 */

/** How one field of a class is copied. */
export type FieldRule =
  /** The same reference: immutable by contract. */
  | { readonly kind: "share" }
  /** A new Array, Map or Set holding the same elements (which are immutable by contract). */
  | { readonly kind: "shallow" }
  /** A new empty Array, Map or Set. */
  | { readonly kind: "empty" }
  /** This value. */
  | { readonly kind: "value"; readonly value: unknown }
  /** An array as long as the original, each element `value`. */
  | { readonly kind: "fill"; readonly value: unknown }
  /** What `make` put there (with its functions standing for the original's). */
  | { readonly kind: "made" }
  /** What `copy` makes of the field's value (`copyOf` copies what it holds; `context` below). */
  | { readonly kind: "custom"; readonly copy: (value: unknown, copyOf: <T>(original: T) => T, context: CustomCopyContext) => unknown };

/** What a custom field copy may know and say besides the value (`FieldRule` "custom"). */
export interface CustomCopyContext {
  /** The object whose field this is. */
  readonly owner: object;
  /** The copy already made of `original` by this clone, if any (a custom copy must then use it). */
  known(original: object): unknown;
  /** The copy holds `piece`, which other copies may hold too: counted once among them (`CloneStats.held`). */
  hold(piece: object, bytes: number): void;
}

export interface ClassRule {
  /** Builds the copy with the class's constructor, for fields marked `made`; others are copied over. */
  readonly make?: () => object;
  readonly fields?: Readonly<Record<string, FieldRule>>;
}

/** A copy's stand-in for an object of the original, made once the copy's root exists. */
export type Replacement = (copyOf: <T>(original: T) => T) => unknown;

export interface CloneRules {
  /** True for objects and functions every copy shares with its original. */
  readonly isShared: (value: object) => boolean;
  /** Rules by prototype (`Database.prototype`, ...). */
  readonly classes: ReadonlyMap<object, ClassRule>;
  readonly replace?: ReadonlyMap<object, Replacement>;
  /**
   * A copy of `buffer` made before that the copy may share (a checkpoint's, of bytes that did not
   * change since the one before), or undefined to copy it. A shared one is held (`CloneStats.held`).
   */
  readonly sharedBuffer?: (buffer: ArrayBuffer) => ArrayBuffer | undefined;
}

/** What a copy holds, for an estimate of its size. */
export interface CloneStats {
  /** Objects, arrays, Maps and Sets made. */
  objects: number;
  /** Elements of arrays, Maps and Sets made (shallow copies included). */
  entries: number;
  /** Bytes of ArrayBuffers copied. */
  bufferBytes: number;
  /**
   * What the copy holds that other copies may hold too (a checkpoint's pieces shared with the one
   * before), with their bytes: not in the counts above, so that a holder of several copies counts
   * each piece once.
   */
  held: Map<object, number>;
}

export type CloneResult<T> = { readonly ok: true; readonly copy: T; readonly stats: CloneStats } | { readonly ok: false; readonly reason: string };

/** Thrown inside the walk, turned into `{ ok: false }` at the top. */
class Refused extends Error {}

type TypedArrayConstructor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayBufferView;

const DATA_TAGS = new Set(["[object Object]", "[object Array]", "[object Map]", "[object Set]", "[object ArrayBuffer]", "[object Error]"]);

/** Rough bytes per object and per element, for {@link estimateBytes}. */
const OBJECT_BYTES = 56;
const ENTRY_BYTES = 36;

/** An estimate of the memory a copy holds beyond what it shares (V8 object and table sizes). */
export function estimateBytes(stats: CloneStats): number {
  return stats.objects * OBJECT_BYTES + stats.entries * ENTRY_BYTES + stats.bufferBytes;
}

/** Deep-copies `root` under `rules`. */
export function cloneGraph<T extends object>(root: T, rules: CloneRules): CloneResult<T> {
  const copies = new Map<object, unknown>();
  const pending: { original: object; copy: object }[] = [];
  const stats: CloneStats = { objects: 0, entries: 0, bufferBytes: 0, held: new Map() };
  let where = "the root";

  const copyOf = <V>(value: V): V => {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) return value;
    const original = value as unknown as object;
    if (copies.has(original)) return copies.get(original) as V;
    const replacement = rules.replace?.get(original);
    if (replacement !== undefined) {
      const made = replacement(copyOf);
      copies.set(original, made);
      return made as V;
    }
    if (rules.isShared(original)) return value;
    if (typeof value === "function") throw new Refused(`a function (${(value as { name?: string }).name || "anonymous"}) in ${where}`);
    return shellOf(original) as V;
  };

  const shellOf = (original: object): object => {
    const tag = Object.prototype.toString.call(original);
    let copy: object;
    if (original instanceof ArrayBuffer) {
      const shared = rules.sharedBuffer?.(original);
      if (shared !== undefined) stats.held.set(shared, shared.byteLength);
      else stats.bufferBytes += original.byteLength;
      copy = shared ?? original.slice(0);
      copies.set(original, copy);
      return copy;
    }
    if (ArrayBuffer.isView(original)) {
      const buffer = copyOf(original.buffer);
      copy =
        original instanceof DataView
          ? new DataView(buffer, original.byteOffset, original.byteLength)
          : new (original.constructor as TypedArrayConstructor)(buffer, original.byteOffset, (original as unknown as { length: number }).length);
      copies.set(original, copy);
      return copy;
    }
    const self = (original as { copyForFork?: unknown }).copyForFork;
    if (typeof self === "function") {
      stats.objects++;
      const made = (self as (copyOf: <T>(value: T) => T) => object).call(original, copyOf);
      copies.set(original, made);
      if (original instanceof Map || original instanceof Set) stats.entries += original.size;
      return made;
    }
    if (!DATA_TAGS.has(tag)) throw new Refused(`an object that is not data (${tag}) in ${where}`);
    const proto = Object.getPrototypeOf(original) as object | null;
    if (Array.isArray(original)) copy = new Array<unknown>(original.length);
    else if (original instanceof Map) {
      if (proto !== Map.prototype) throw new Refused(`a Map subclass in ${where}`);
      copy = new Map();
    } else if (original instanceof Set) {
      if (proto !== Set.prototype) throw new Refused(`a Set subclass in ${where}`);
      copy = new Set();
    } else {
      const rule = proto === null ? undefined : rules.classes.get(proto);
      copy = rule?.make ? made(original, rule.make(), rule) : (Object.create(proto) as object);
    }
    stats.objects++;
    copies.set(original, copy);
    pending.push({ original, copy });
    return copy;
  };

  /** A copy built by its class's constructor: its `made` fields stand for the original's. */
  const made = (original: object, copy: object, rule: ClassRule): object => {
    for (const [key, fieldRule] of Object.entries(rule.fields ?? {})) {
      if (fieldRule.kind !== "made") continue;
      const value = (original as Record<string, unknown>)[key];
      const stand = (copy as Record<string, unknown>)[key];
      if (typeof value === "function") copies.set(value, stand);
      if (typeof value !== "object" || value === null || typeof stand !== "object" || stand === null) continue;
      copies.set(value, stand);
      for (const name of Object.keys(value)) {
        const fn = (value as Record<string, unknown>)[name];
        if (typeof fn === "function") copies.set(fn, (stand as Record<string, unknown>)[name]);
      }
    }
    return copy;
  };

  /**
   * Builds the copies of objects whose class makes closures before anything else, so that an
   * object met first through another path (a reader holding its backlog's hooks) maps to them.
   */
  const makeFirst = (): void => {
    const seen = new Set<object>();
    const stack: unknown[] = [root];
    while (stack.length > 0) {
      const value = stack.pop();
      if (value === null || typeof value !== "object") continue;
      const object = value as object;
      if (seen.has(object) || rules.isShared(object) || rules.replace?.has(object)) continue;
      seen.add(object);
      // Typed arrays hold no objects; an object that copies itself makes what it holds.
      if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer || typeof (object as { copyForFork?: unknown }).copyForFork === "function") continue;
      if (object instanceof Map) {
        for (const [key, entry] of object) stack.push(key, entry);
        continue;
      }
      if (object instanceof Set || Array.isArray(object)) {
        for (const entry of object as Iterable<unknown>) stack.push(entry);
        continue;
      }
      const proto = Object.getPrototypeOf(object) as object | null;
      const rule = proto === null ? undefined : rules.classes.get(proto);
      if (rule?.make && !copies.has(object)) shellOf(object);
      for (const key of Object.keys(object)) {
        // Fields a rule does not copy deeply hold nothing to make.
        if (rule?.fields?.[key] === undefined) stack.push((object as Record<string, unknown>)[key]);
      }
    }
  };

  const fill = (original: object, copy: object): void => {
    if (Array.isArray(original)) {
      const out = copy as unknown[];
      where = `an array of ${original.length}`;
      for (let i = 0; i < original.length; i++) out[i] = copyOf(original[i] as unknown);
      stats.entries += original.length;
      return;
    }
    if (original instanceof Map) {
      const out = copy as Map<unknown, unknown>;
      where = `a Map of ${original.size}`;
      for (const [key, value] of original) out.set(copyOf(key), copyOf(value));
      stats.entries += original.size;
      return;
    }
    if (original instanceof Set) {
      const out = copy as Set<unknown>;
      where = `a Set of ${original.size}`;
      for (const value of original) out.add(copyOf(value));
      stats.entries += original.size;
      return;
    }
    const proto = Object.getPrototypeOf(original) as object | null;
    const rule = proto === null ? undefined : rules.classes.get(proto);
    const className = (proto as { constructor?: { name?: string } } | null)?.constructor?.name ?? "Object";
    for (const key of Reflect.ownKeys(original)) {
      const descriptor = Object.getOwnPropertyDescriptor(original, key)!;
      where = `${className}.${String(key)}`;
      if (descriptor.get !== undefined || descriptor.set !== undefined) {
        Object.defineProperty(copy, key, { ...descriptor, get: copyOf(descriptor.get), set: copyOf(descriptor.set) });
        continue;
      }
      const fieldRule = typeof key === "string" ? rule?.fields?.[key] : undefined;
      const value = fieldRule === undefined ? copyOf(descriptor.value as unknown) : applyRule(fieldRule, descriptor.value, copy, key, original);
      if (descriptor.writable === true && descriptor.enumerable === true && descriptor.configurable === true) (copy as Record<PropertyKey, unknown>)[key] = value;
      else Object.defineProperty(copy, key, { ...descriptor, value });
    }
    if (Object.isFrozen(original)) Object.freeze(copy);
    else if (Object.isSealed(original)) Object.seal(copy);
    else if (!Object.isExtensible(original)) Object.preventExtensions(copy);
  };

  const context = (owner: object): CustomCopyContext => ({
    owner,
    known: (original) => copies.get(original),
    hold: (piece, bytes) => {
      stats.held.set(piece, bytes);
    },
  });

  const applyRule = (rule: FieldRule, value: unknown, copy: object, key: PropertyKey, owner: object): unknown => {
    switch (rule.kind) {
      case "share":
        return value;
      case "value":
        return rule.value;
      case "fill":
        if (!Array.isArray(value)) throw new Refused(`${where} is not an array`);
        stats.objects++;
        stats.entries += value.length;
        return new Array<unknown>(value.length).fill(rule.value);
      case "shallow":
      case "empty": {
        const keep = rule.kind === "shallow";
        stats.objects++;
        if (Array.isArray(value)) {
          if (keep) stats.entries += value.length;
          return keep ? value.slice() : [];
        }
        if (value instanceof Map) {
          if (keep) stats.entries += value.size;
          return keep ? new Map(value) : new Map();
        }
        if (value instanceof Set) {
          if (keep) stats.entries += value.size;
          return keep ? new Set(value) : new Set();
        }
        throw new Refused(`${where} is not an array, Map or Set`);
      }
      case "made":
        return (copy as Record<PropertyKey, unknown>)[key];
      case "custom": {
        stats.objects++;
        if (value instanceof Map) stats.entries += value.size;
        const copy = rule.copy(value, copyOf, context(owner));
        // Another path to the same value finds this copy.
        if (typeof value === "object" && value !== null && !copies.has(value)) copies.set(value, copy);
        return copy;
      }
      default:
        return assertNever(rule);
    }
  };

  try {
    makeFirst();
    const copy = copyOf(root);
    while (pending.length > 0) {
      const next = pending.pop()!;
      fill(next.original, next.copy);
    }
    return { ok: true, copy, stats };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, reason: error.message };
    throw error;
  }
}

/**
 * Every object and function reachable from `root` (own properties, accessors, array elements,
 * Map keys and values, Set elements), prototypes excluded. Used to learn which objects two labs
 * share (module-level objects), by intersecting the sets of two labs built alike.
 */
export function reachable(root: object): Set<object> {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || (typeof value !== "object" && typeof value !== "function")) continue;
    const object = value as object;
    if (seen.has(object)) continue;
    seen.add(object);
    if (typeof value === "function" || ArrayBuffer.isView(object) || object instanceof ArrayBuffer) continue;
    if (object instanceof Map) {
      for (const [key, entry] of object) stack.push(key, entry);
      continue;
    }
    if (object instanceof Set) {
      for (const entry of object) stack.push(entry);
      continue;
    }
    for (const key of Reflect.ownKeys(object)) {
      const descriptor = Object.getOwnPropertyDescriptor(object, key)!;
      stack.push(descriptor.value, descriptor.get, descriptor.set);
    }
  }
  return seen;
}

function assertNever(value: never): never {
  throw new Error(`unexpected rule ${JSON.stringify(value)}`);
}
