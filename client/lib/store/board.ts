/**
 * The home board and everything that counts what needs the user: derived,
 * memoised views of the state (pure).
 *
 * **Attention items** are the things a person must answer before an agent
 * can go on. Each comes from a source: a function of the state that lists
 * its items (today: pending permission requests; questions and blocked
 * workflow runs are sources to add to {@linkcode ATTENTION_SOURCES}, each
 * memoised on the slice it reads). An item belongs to the top-level session
 * it holds up (`sessionId`), which for a request of a subagent's child
 * session is the session that started the subagent.
 *
 * **The board** puts every listed session in exactly one group, first match
 * wins:
 * 1. `needsYou`: at least one attention item (whatever the status);
 * 2. `working`: `busy` or `retry`;
 * 3. `done`: finished since the user last looked (`isUnread`, `seen.ts`);
 * 4. `rest`: everything else (idle and seen).
 *
 * Items whose session is not listed (a child session Flock does not list,
 * a request that arrived before its session) still make a `needsYou` entry,
 * without a session. Each group is ordered by `updated_at`, newest first;
 * `needsYou` oldest first (the longest wait first).
 *
 * @module
 */
import type { InstanceJson } from "../../../server/contract/instances.ts";
import type { PermissionJson } from "../../../server/contract/permissions.ts";
import type { SessionJson } from "../../../server/contract/sessions.ts";
import { isUnread, type SeenState } from "./seen.ts";
import { memo, NONE, stableGroups, stableList } from "./selectors.ts";
import type { FlockState } from "./state.ts";

/** Something a person must answer. */
export interface AttentionItem {
  /** What it is: `permission` (later also `question`, `run`). */
  readonly kind: string;
  /** The request's id. */
  readonly id: string;
  readonly instanceId: string;
  /** The top-level session it holds up. */
  readonly sessionId: string;
  /** One line for people, e.g. `bash: echo hi`. */
  readonly summary: string;
}

/** Lists the attention items of one kind; memoised on what it reads. */
export type AttentionSource = (state: FlockState) => readonly AttentionItem[];

/** The session a permission request holds up. */
export function permissionSessionOf(permission: PermissionJson): string {
  return permission.sessionID;
}

/** What a permission request asks, in one line. */
export function permissionSummary(permission: PermissionJson): string {
  const command = permission.metadata.command;
  const what = typeof command === "string" && command !== ""
    ? command
    : permission.patterns.join(", ");
  return what ? `${permission.permission}: ${what}` : permission.permission;
}

const permissionItems = memo(
  (permissions: FlockState["permissions"]): readonly AttentionItem[] => {
    if (permissions.size === 0) return NONE;
    return [...permissions.values()].map((p) => ({
      kind: "permission",
      id: p.id,
      instanceId: p.instance_id,
      sessionId: permissionSessionOf(p),
      summary: permissionSummary(p),
    }));
  },
);

/** Every source of attention items. Add a source here (memoised). */
export const ATTENTION_SOURCES: readonly AttentionSource[] = [
  (s) => permissionItems(s.permissions),
];

const concatItems = (() => {
  let previous: readonly AttentionItem[] | undefined;
  return memo((...lists: (readonly AttentionItem[])[]) => {
    previous = stableList(previous, lists.flat());
    return previous;
  });
})();

/**
 * Every attention item, of every source.
 *
 * @returns The same list object while no source's items change.
 */
export function attentionItems(state: FlockState): readonly AttentionItem[] {
  return concatItems(...ATTENTION_SOURCES.map((source) => source(state)));
}

/** How many things need the user (the tab title's count). */
export function needsYouCount(state: FlockState): number {
  return attentionItems(state).length;
}

const groupItems = (() => {
  let previous: ReadonlyMap<string, readonly AttentionItem[]> | undefined;
  return memo((items: readonly AttentionItem[]) => {
    const groups = new Map<string, AttentionItem[]>();
    for (const item of items) {
      const list = groups.get(item.sessionId);
      if (list) list.push(item);
      else groups.set(item.sessionId, [item]);
    }
    previous = stableGroups(previous, groups);
    return previous;
  });
})();

/**
 * The attention items of each top-level session.
 *
 * @returns The same map (and lists) while they do not change.
 */
export function attentionBySession(
  state: FlockState,
): ReadonlyMap<string, readonly AttentionItem[]> {
  return groupItems(attentionItems(state));
}

/** One session on the board. */
export interface BoardEntry {
  readonly sessionId: string;
  readonly instanceId: string;
  /** Undefined for items whose session is not listed. */
  readonly session: SessionJson | undefined;
  /** What it waits for (empty outside `needsYou`). */
  readonly items: readonly AttentionItem[];
  /** Finished since the user last looked. */
  readonly unread: boolean;
}

/** Every listed session, in the groups of the module docs. */
export interface Board {
  readonly needsYou: readonly BoardEntry[];
  readonly working: readonly BoardEntry[];
  readonly done: readonly BoardEntry[];
  readonly rest: readonly BoardEntry[];
}

const newestFirst = (a: BoardEntry, b: BoardEntry) => {
  const x = a.session?.updated_at ?? "";
  const y = b.session?.updated_at ?? "";
  return x < y ? 1 : x > y ? -1 : 0;
};

/**
 * Groups sessions for the board (pure; see the module docs).
 *
 * @param sessions The listed sessions.
 * @param attention The attention items by top-level session.
 * @param seen What the user has seen.
 * @returns The four groups.
 */
export function groupBoard(
  sessions: Iterable<SessionJson>,
  attention: ReadonlyMap<string, readonly AttentionItem[]>,
  seen: SeenState,
): Board {
  const needsYou: BoardEntry[] = [];
  const working: BoardEntry[] = [];
  const done: BoardEntry[] = [];
  const rest: BoardEntry[] = [];
  const listed = new Set<string>();
  for (const session of sessions) {
    listed.add(session.id);
    const items = attention.get(session.id) ?? NONE;
    const unread = isUnread(session, seen);
    const entry: BoardEntry = {
      sessionId: session.id,
      instanceId: session.instance_id,
      session,
      items,
      unread,
    };
    if (items.length > 0) needsYou.push(entry);
    else if (session.status === "busy" || session.status === "retry") {
      working.push(entry);
    } else if (unread) done.push(entry);
    else rest.push(entry);
  }
  for (const [sessionId, items] of attention) {
    if (listed.has(sessionId) || items.length === 0) continue;
    needsYou.push({
      sessionId,
      instanceId: items[0]?.instanceId ?? "",
      session: undefined,
      items,
      unread: false,
    });
  }
  needsYou.sort((a, b) => newestFirst(b, a));
  working.sort(newestFirst);
  done.sort(newestFirst);
  rest.sort(newestFirst);
  return { needsYou, working, done, rest };
}

const boardMemo = memo(
  (
    byId: ReadonlyMap<string, SessionJson>,
    attention: ReadonlyMap<string, readonly AttentionItem[]>,
    seen: SeenState,
  ) => groupBoard(byId.values(), attention, seen),
);

/**
 * The board of the current state.
 *
 * @returns The same object while the sessions, attention items and seen
 *   slice are unchanged.
 */
export function boardOf(state: FlockState): Board {
  return boardMemo(state.sessions.byId, attentionBySession(state), state.seen);
}

/** What an instance's sessions are doing. */
export interface InstanceActivity {
  /** Sessions busy or retrying (and not waiting for the user). */
  readonly working: number;
  /** Attention items of its sessions. */
  readonly needsYou: number;
  /** Sessions finished since the user last looked. */
  readonly unread: number;
}

const IDLE_ACTIVITY: InstanceActivity = Object.freeze({
  working: 0,
  needsYou: 0,
  unread: 0,
});

const activityMemo = (() => {
  let previous: ReadonlyMap<string, InstanceActivity> | undefined;
  return memo((board: Board, items: readonly AttentionItem[]) => {
    const counts = new Map<
      string,
      { working: number; needsYou: number; unread: number }
    >();
    const of = (id: string) => {
      let c = counts.get(id);
      if (!c) counts.set(id, c = { working: 0, needsYou: 0, unread: 0 });
      return c;
    };
    for (const item of items) of(item.instanceId).needsYou++;
    for (const e of board.working) of(e.instanceId).working++;
    for (const e of board.done) of(e.instanceId).unread++;
    const next = new Map<string, InstanceActivity>();
    let same = previous !== undefined && previous.size === counts.size;
    for (const [id, c] of counts) {
      const old = previous?.get(id);
      const kept = old && old.working === c.working &&
          old.needsYou === c.needsYou && old.unread === c.unread
        ? old
        : Object.freeze(c);
      if (kept !== old) same = false;
      next.set(id, kept);
    }
    previous = same && previous ? previous : next;
    return previous;
  });
})();

/**
 * What each instance's sessions are doing.
 *
 * @returns The same map while nothing changed; instances with nothing
 *   going on are absent (see {@linkcode activityOf}).
 */
export function instanceActivity(
  state: FlockState,
): ReadonlyMap<string, InstanceActivity> {
  return activityMemo(boardOf(state), attentionItems(state));
}

/** One instance's activity (all zero when nothing goes on). */
export function activityOf(
  activity: ReadonlyMap<string, InstanceActivity>,
  instance: InstanceJson,
): InstanceActivity {
  return activity.get(instance.id) ?? IDLE_ACTIVITY;
}
