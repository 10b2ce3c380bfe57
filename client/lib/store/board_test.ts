import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { instanceJson } from "../../../server/testing/instance_fixtures.ts";
import type { PermissionJson } from "../../../server/contract/permissions.ts";
import type {
  SessionJson,
  SessionStatus,
} from "../../../server/contract/sessions.ts";
import type { StoreAction } from "./actions.ts";
import {
  activityOf,
  attentionBySession,
  boardOf,
  groupBoard,
  instanceActivity,
  needsYouCount,
  permissionSummary,
} from "./board.ts";
import { reduce } from "./reducer.ts";
import { EMPTY_STATE, type FlockState } from "./state.ts";

const T = (minute: number) =>
  `2026-12-01T10:${String(minute).padStart(2, "0")}:00.000Z`;

function session(
  id: string,
  status: SessionStatus,
  updated: number,
  instanceId = "i1",
): SessionJson {
  return {
    id,
    instance_id: instanceId,
    title: id,
    status,
    created_at: T(0),
    updated_at: T(updated),
  };
}

function permission(
  id: string,
  sessionID: string,
  instanceId = "i1",
): PermissionJson {
  return {
    id,
    sessionID,
    permission: "bash",
    patterns: ["echo hi"],
    metadata: { command: "echo hi" },
    always: ["echo *"],
    instance_id: instanceId,
  };
}

function stateOf(
  sessions: SessionJson[],
  permissions: PermissionJson[],
  seen: Record<string, number> = {},
): FlockState {
  const load: StoreAction = {
    kind: "snapshot-loaded",
    snapshot: {
      instances: [instanceJson({ id: "i1" }), instanceJson({ id: "i2" })],
      permissions,
      sessions: new Map([
        ["i1", sessions.filter((s) => s.instance_id === "i1")],
        ["i2", sessions.filter((s) => s.instance_id === "i2")],
      ]),
      conversations: new Map(),
    },
  };
  let state = reduce(EMPTY_STATE, {
    kind: "seen-restored",
    seen: {
      since: T(1),
      bySession: new Map(
        Object.entries(seen).map(([id, minute]) => [id, T(minute)]),
      ),
    },
  });
  state = reduce(state, load);
  return state;
}

const ids = (entries: readonly { sessionId: string }[]) =>
  entries.map((e) => e.sessionId);

Deno.test("the board: needs you, working, done, rest (first match wins)", () => {
  const state = stateOf(
    [
      session("asks", "busy", 5),
      session("busy", "busy", 6),
      session("retry", "retry", 7),
      session("finished", "idle", 8),
      session("errored", "error", 9, "i2"),
      session("seen", "idle", 4),
      session("old", "idle", 1),
      session("never-prompted", "idle", 0),
    ],
    [permission("per_1", "asks")],
    { seen: 4 },
  );
  const board = boardOf(state);
  deepStrictEqual(ids(board.needsYou), ["asks"]);
  deepStrictEqual(ids(board.working), ["retry", "busy"]);
  deepStrictEqual(ids(board.done), ["errored", "finished"]);
  deepStrictEqual(ids(board.rest), ["seen", "old", "never-prompted"]);
  deepStrictEqual(board.needsYou[0]?.items.map((i) => i.summary), [
    "bash: echo hi",
  ]);
  strictEqual(needsYouCount(state), 1);
});

Deno.test("a session waiting on a permission is needs-you, not working", () => {
  const board = groupBoard(
    [session("s", "busy", 3)],
    attentionBySession(stateOf([], [permission("p", "s")])),
    { since: T(1), bySession: new Map() },
  );
  deepStrictEqual(ids(board.needsYou), ["s"]);
  deepStrictEqual(board.working, []);
});

Deno.test("a request whose session is not listed still needs you", () => {
  const state = stateOf([session("s1", "idle", 1)], [
    permission("p1", "ses_child", "i2"),
  ]);
  const [entry] = boardOf(state).needsYou;
  strictEqual(entry?.sessionId, "ses_child");
  strictEqual(entry?.instanceId, "i2");
  strictEqual(entry?.session, undefined);
});

Deno.test("needs-you waits longest first; the others newest first", () => {
  const state = stateOf([
    session("a", "busy", 3),
    session("b", "busy", 9),
  ], [permission("p1", "b"), permission("p2", "a")]);
  deepStrictEqual(ids(boardOf(state).needsYou), ["a", "b"]);
});

Deno.test("the board and its counts keep their identity while unchanged", () => {
  const state = stateOf([session("a", "busy", 3)], [permission("p", "a")]);
  const board = boardOf(state);
  const activity = instanceActivity(state);
  // a conversation opening changes nothing the board reads
  const next = reduce(state, { kind: "conversation-loading", sessionId: "a" });
  strictEqual(boardOf(next), board);
  strictEqual(instanceActivity(next), activity);
  strictEqual(attentionBySession(next), attentionBySession(state));
});

Deno.test("instance activity counts working, needs-you and unread", () => {
  const state = stateOf([
    session("a", "busy", 3),
    session("b", "busy", 4),
    session("c", "idle", 5),
    session("d", "retry", 6, "i2"),
  ], [permission("p1", "a"), permission("p2", "a")]);
  const activity = instanceActivity(state);
  // "a" waits on the user: it counts as needing you, not as working
  deepStrictEqual({ ...activityOf(activity, instanceJson({ id: "i1" })) }, {
    working: 1,
    needsYou: 2,
    unread: 1,
  });
  deepStrictEqual({ ...activityOf(activity, instanceJson({ id: "i2" })) }, {
    working: 1,
    needsYou: 0,
    unread: 0,
  });
  deepStrictEqual({ ...activityOf(new Map(), instanceJson({ id: "i3" })) }, {
    working: 0,
    needsYou: 0,
    unread: 0,
  });
});

Deno.test("opening a session clears its unread mark", () => {
  let state = stateOf([session("a", "idle", 5)], []);
  deepStrictEqual(ids(boardOf(state).done), ["a"]);
  state = reduce(state, {
    kind: "session-seen",
    sessionId: "a",
    updatedAt: T(5),
  });
  deepStrictEqual(ids(boardOf(state).done), []);
  deepStrictEqual(ids(boardOf(state).rest), ["a"]);
});

Deno.test("a permission's summary names the command or the patterns", () => {
  strictEqual(permissionSummary(permission("p", "s")), "bash: echo hi");
  strictEqual(
    permissionSummary({
      ...permission("p", "s"),
      permission: "edit",
      metadata: {},
      patterns: ["src/a.ts", "src/b.ts"],
    }),
    "edit: src/a.ts, src/b.ts",
  );
  strictEqual(
    permissionSummary({ ...permission("p", "s"), metadata: {}, patterns: [] }),
    "bash",
  );
});
