/**
 * Structural sharing for the store's immutable state: each helper returns
 * its input unchanged (the same object) when the operation changes nothing,
 * so an element can tell "unchanged" by identity.
 *
 * @module
 */

/**
 * The map with `key` set to `value`.
 *
 * @returns `map` itself when it already holds that very value.
 */
export function withEntry<K, V>(
  map: ReadonlyMap<K, V>,
  key: K,
  value: V,
): ReadonlyMap<K, V> {
  if (map.get(key) === value && map.has(key)) return map;
  const next = new Map(map);
  next.set(key, value);
  return next;
}

/**
 * The map without the entries for which `drop` is true.
 *
 * @returns `map` itself when nothing is dropped.
 */
export function withoutWhere<K, V>(
  map: ReadonlyMap<K, V>,
  drop: (value: V, key: K) => boolean,
): ReadonlyMap<K, V> {
  let next: Map<K, V> | undefined;
  for (const [key, value] of map) {
    if (!drop(value, key)) continue;
    next ??= new Map(map);
    next.delete(key);
  }
  return next ?? map;
}

/**
 * The map without `keys`.
 *
 * @returns `map` itself when it holds none of them.
 */
export function withoutKeys<K, V>(
  map: ReadonlyMap<K, V>,
  keys: Iterable<K>,
): ReadonlyMap<K, V> {
  let next: Map<K, V> | undefined;
  for (const key of keys) {
    if (!map.has(key)) continue;
    next ??= new Map(map);
    next.delete(key);
  }
  return next ?? map;
}

/**
 * A map of `items` by their key, reusing `previous` entries that are equal
 * (by {@linkcode sameRecord}), and `previous` itself when nothing differs.
 */
export function mapOf<K, V extends object>(
  items: Iterable<V>,
  key: (item: V) => K,
  previous: ReadonlyMap<K, V> = new Map(),
): ReadonlyMap<K, V> {
  const next = new Map<K, V>();
  for (const item of items) {
    const id = key(item);
    const old = previous.get(id);
    next.set(id, old && sameRecord(old, item) ? old : item);
  }
  return sameEntries(next, previous) ? previous : next;
}

/** Whether two maps hold the same keys with identical values. */
export function sameEntries<K, V>(
  a: ReadonlyMap<K, V>,
  b: ReadonlyMap<K, V>,
): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [key, value] of a) {
    if (b.get(key) !== value || !b.has(key)) return false;
  }
  return true;
}

/** Whether a value is an array or an object literal (not a Map, a class instance…). */
function isPlain(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Whether two values are equal one level deep: identical, or both arrays or
 * both object literals whose own values are identical (`Object.is`). Maps,
 * sets and other objects are equal only when identical.
 */
export function sameRecord(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (
    typeof a !== "object" || typeof b !== "object" || a === null ||
    b === null || !isPlain(a) || !isPlain(b) ||
    Array.isArray(a) !== Array.isArray(b)
  ) return false;
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  return keysA.every((key) =>
    Object.hasOwn(b, key) &&
    Object.is(Reflect.get(a, key), Reflect.get(b, key))
  );
}
