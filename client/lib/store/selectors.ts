/**
 * Derived views of the state for elements, memoised so that the same input
 * gives the same output object, and a recomputed list that holds the same
 * items keeps its old identity. An element can then compare by identity and
 * skip rendering.
 *
 * A new derived view: wrap its computation in {@linkcode memo} (arguments
 * compared by identity), and return {@linkcode stableList} /
 * {@linkcode stableGroups} results for lists.
 *
 * @module
 */
import type { InstanceJson } from "../../../server/contract/instances.ts";
import type { PermissionJson } from "../../../server/contract/permissions.ts";
import type { SessionJson } from "../../../server/contract/sessions.ts";
import { sameRecord } from "./immutable.ts";
import type { FlockState } from "./state.ts";

/** An empty list that is always the same object. */
export const NONE: readonly never[] = Object.freeze([]);

/**
 * Memoises `compute` on its last arguments (compared by identity).
 *
 * @example
 * ```ts
 * const ids = memo((byId: ReadonlyMap<string, unknown>) => [...byId.keys()]);
 * ids(map) === ids(map); // true
 * ```
 */
export function memo<A extends readonly unknown[], R>(
  compute: (...args: A) => R,
): (...args: A) => R {
  let last: { args: A; result: R } | undefined;
  return (...args: A): R => {
    if (
      last && last.args.length === args.length &&
      last.args.every((arg, i) => Object.is(arg, args[i]))
    ) return last.result;
    const result = compute(...args);
    last = { args, result };
    return result;
  };
}

/** `next`, or `previous` when it holds the same items in the same order. */
export function stableList<T>(
  previous: readonly T[] | undefined,
  next: readonly T[],
): readonly T[] {
  if (next.length === 0) return NONE;
  return previous && sameRecord(previous, next) ? previous : next;
}

/**
 * `next` with each list replaced by its `previous` counterpart when equal,
 * and `previous` itself when every list is.
 */
export function stableGroups<K, T>(
  previous: ReadonlyMap<K, readonly T[]> | undefined,
  next: ReadonlyMap<K, readonly T[]>,
): ReadonlyMap<K, readonly T[]> {
  const out = new Map<K, readonly T[]>();
  let same = previous !== undefined && previous.size === next.size;
  for (const [key, list] of next) {
    const old = previous?.get(key);
    const kept = stableList(old, list);
    if (kept !== old) same = false;
    out.set(key, kept);
  }
  return same && previous ? previous : out;
}

/** Groups `items` by `key`, each group in `items` order. */
export function groupBy<K, T>(
  items: Iterable<T>,
  key: (item: T) => K,
): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const byCreated = (a: { created_at: string }, b: { created_at: string }) =>
  a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0;

/** Makes a memoised grouping that keeps unchanged groups' identity. */
export function groupsOf<S, K, T>(
  compute: (source: S) => Map<K, T[]>,
): (source: S) => ReadonlyMap<K, readonly T[]> {
  let previous: ReadonlyMap<K, readonly T[]> | undefined;
  return memo((source: S) => {
    previous = stableGroups(previous, compute(source));
    return previous;
  });
}

/** Each instance's listed sessions, newest first. */
export const sessionsByInstance: (
  byId: ReadonlyMap<string, SessionJson>,
) => ReadonlyMap<string, readonly SessionJson[]> = groupsOf((byId) => {
  const groups = groupBy(byId.values(), (s) => s.instance_id);
  for (const list of groups.values()) list.sort((a, b) => byCreated(b, a));
  return groups;
});

/** Each session's pending permission requests. */
export const permissionsBySession: (
  permissions: ReadonlyMap<string, PermissionJson>,
) => ReadonlyMap<string, readonly PermissionJson[]> = groupsOf((permissions) =>
  groupBy(permissions.values(), (p) => p.sessionID)
);

/** Every instance, oldest first. */
export const instancesInOrder: (
  instances: ReadonlyMap<string, InstanceJson>,
) => readonly InstanceJson[] = (() => {
  let previous: readonly InstanceJson[] | undefined;
  return memo((instances: ReadonlyMap<string, InstanceJson>) => {
    previous = stableList(previous, [...instances.values()].sort(byCreated));
    return previous;
  });
})();

/**
 * An instance's listed sessions, newest first.
 *
 * @returns The same list object while they do not change.
 */
export function sessionsOf(
  state: FlockState,
  instanceId: string,
): readonly SessionJson[] {
  return sessionsByInstance(state.sessions.byId).get(instanceId) ?? NONE;
}

/**
 * A session's pending permission requests.
 *
 * @returns The same list object while they do not change.
 */
export function permissionsOf(
  state: FlockState,
  sessionId: string,
): readonly PermissionJson[] {
  return permissionsBySession(state.permissions).get(sessionId) ?? NONE;
}
