import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type { SessionJson } from "../../../server/contract/sessions.ts";
import {
  flockEvent,
  openCodeSession,
} from "../../../server/testing/event_fixtures.ts";
import { reduce } from "./reducer.ts";
import { EMPTY_SEEN, isUnread, type SeenState } from "./seen.ts";
import { EMPTY_STATE } from "./state.ts";

const base: SessionJson = {
  id: "s",
  instance_id: "i",
  title: "t",
  status: "idle",
  created_at: "2026-12-01T10:00:00.000Z",
  updated_at: "2026-12-01T10:05:00.000Z",
};
const seen = (since: string, last?: string): SeenState => ({
  since,
  bySession: new Map(last ? [["s", last]] : []),
});

Deno.test("unread: finished after the user last looked", () => {
  strictEqual(isUnread(base, seen("2026-12-01T09:00:00.000Z")), true);
  strictEqual(
    isUnread(
      base,
      seen("2026-12-01T09:00:00.000Z", "2026-12-01T10:04:00.000Z"),
    ),
    true,
  );
  // looked at it after (or at) its last change
  strictEqual(
    isUnread(
      base,
      seen("2026-12-01T09:00:00.000Z", "2026-12-01T10:05:00.000Z"),
    ),
    false,
  );
  // never opened, but its last change is before tracking started
  strictEqual(isUnread(base, seen("2026-12-01T11:00:00.000Z")), false);
});

Deno.test("unread: never while working, never for an untouched session", () => {
  const since = seen("2026-12-01T09:00:00.000Z");
  strictEqual(isUnread({ ...base, status: "busy" }, since), false);
  strictEqual(isUnread({ ...base, status: "retry" }, since), false);
  strictEqual(isUnread({ ...base, status: "error" }, since), true);
  strictEqual(
    isUnread({ ...base, updated_at: base.created_at }, since),
    false,
  );
  // before the browser's state is restored nothing is unread
  strictEqual(isUnread(base, EMPTY_SEEN), false);
});

Deno.test("session-seen only moves forward and is a no-op when unchanged", () => {
  let state = reduce(EMPTY_STATE, {
    kind: "seen-restored",
    seen: seen("2026-12-01T09:00:00.000Z"),
  });
  state = reduce(state, {
    kind: "session-seen",
    sessionId: "s",
    updatedAt: "2026-12-01T10:05:00.000Z",
  });
  const after = state;
  strictEqual(
    reduce(state, {
      kind: "session-seen",
      sessionId: "s",
      updatedAt: "2026-12-01T10:01:00.000Z",
    }),
    after,
  );
  strictEqual(
    reduce(state, {
      kind: "session-seen",
      sessionId: "s",
      updatedAt: "2026-12-01T10:05:00.000Z",
    }),
    after,
  );
  deepStrictEqual([...state.seen.bySession], [[
    "s",
    "2026-12-01T10:05:00.000Z",
  ]]);
});

Deno.test("a deleted session is forgotten by the seen slice", () => {
  let state = reduce(EMPTY_STATE, {
    kind: "seen-restored",
    seen: seen("2026-12-01T09:00:00.000Z"),
  });
  state = reduce(state, {
    kind: "event",
    live: true,
    event: flockEvent("session.created", {
      sessionID: "ses_1",
      info: openCodeSession({ id: "ses_1" }),
    }, "inst_1"),
  });
  state = reduce(state, {
    kind: "session-seen",
    sessionId: "ses_1",
    updatedAt: "2026-12-01T10:05:00.000Z",
  });
  strictEqual(state.seen.bySession.has("ses_1"), true);
  state = reduce(state, {
    kind: "event",
    live: true,
    event: flockEvent("session.deleted", {
      sessionID: "ses_1",
      info: openCodeSession({ id: "ses_1" }),
    }, "inst_1"),
  });
  strictEqual(state.seen.bySession.has("ses_1"), false);
});

Deno.test("an update after the reply ends is no new work; a new reply is", () => {
  const info = (updated: number) =>
    openCodeSession({
      id: "ses_1",
      time: { created: 1_000, updated },
    });
  const event = (
    type: "session.updated" | "session.created",
    updated: number,
  ) => ({
    kind: "event" as const,
    live: true,
    event: flockEvent(type, { sessionID: "ses_1", info: info(updated) }),
  });
  const status = (type: "busy" | "idle") => ({
    kind: "event" as const,
    live: true,
    event: flockEvent("session.status", {
      sessionID: "ses_1",
      status: { type },
    }),
  });
  let state = reduce(EMPTY_STATE, {
    kind: "seen-restored",
    seen: { since: new Date(0).toISOString(), bySession: new Map() },
  });
  state = reduce(state, event("session.created", 1_000));
  state = reduce(state, status("busy"));
  state = reduce(state, event("session.updated", 2_000));
  state = reduce(state, status("idle"));
  // the user had it open when it went idle
  state = reduce(state, {
    kind: "session-seen",
    sessionId: "ses_1",
    updatedAt: new Date(2_000).toISOString(),
  });
  // … then left: OpenCode's update after the idle is no new work
  state = reduce(state, event("session.updated", 3_000));
  const session = () => state.sessions.byId.get("ses_1")!;
  strictEqual(session().updated_at, new Date(3_000).toISOString());
  strictEqual(isUnread(session(), state.seen), false);
  // a new reply while away is
  state = reduce(state, status("busy"));
  state = reduce(state, event("session.updated", 4_000));
  state = reduce(state, status("idle"));
  state = reduce(state, event("session.updated", 5_000));
  strictEqual(isUnread(session(), state.seen), true);
  // and later quiet updates keep it unread
  state = reduce(state, event("session.updated", 6_000));
  strictEqual(isUnread(session(), state.seen), true);
});
