import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { instanceJson } from "../../../server/testing/instance_fixtures.ts";
import type { SessionJson } from "../../../server/contract/sessions.ts";
import type { SessionDiffJson } from "../../../server/contract/worktrees.ts";
import {
  flockEvent,
  openCodeSession,
} from "../../../server/testing/event_fixtures.ts";
import type { StoreAction } from "./actions.ts";
import { isStale, NO_CHANGES } from "./changes.ts";
import { reduce } from "./reducer.ts";
import { EMPTY_STATE, type FlockState } from "./state.ts";

const INSTANCE = instanceJson();

function session(id: string): SessionJson {
  return {
    id,
    instance_id: "inst_a",
    title: id,
    status: "idle",
    created_at: "1",
    updated_at: "1",
    branch: "task-a",
    base: "main",
  };
}

function diff(scope: "working" | "branch", files = 1): SessionDiffJson {
  return {
    session_id: "ses_a",
    scope,
    directory: "/wt",
    base: scope === "branch" ? "main" : null,
    files: Array.from({ length: files }, (_, i) => ({
      file: `f${i}.txt`,
      status: "added",
      additions: 1,
      deletions: 0,
      binary: false,
      patch: "",
      truncated: false,
    })),
  };
}

const changed = (sessionID = "ses_a") =>
  ({
    kind: "event",
    event: flockEvent("session.changes", { sessionID, reason: "edited" }),
    live: true,
  }) as const;

function loaded(): FlockState {
  return reduce(EMPTY_STATE, {
    kind: "snapshot-loaded",
    snapshot: {
      instances: [INSTANCE],
      permissions: [],
      sessions: new Map([["inst_a", [session("ses_a")]]]),
      conversations: new Map(),
    },
  });
}

function run(state: FlockState, ...actions: StoreAction[]): FlockState {
  return actions.reduce(reduce, state);
}

Deno.test("changes: an unknown session is stale until its first read", () => {
  strictEqual(isStale(NO_CHANGES), true);
  const state = run(
    loaded(),
    { kind: "diff-loading", sessionId: "ses_a", revision: 0 },
    {
      kind: "diff-loaded",
      sessionId: "ses_a",
      revision: 0,
      diff: diff("working"),
    },
  );
  const c = state.changes.get("ses_a");
  strictEqual(c?.loading, false);
  strictEqual(c?.diff?.files.length, 1);
  strictEqual(isStale(c!), false);
});

Deno.test("changes: session.changes makes the diff stale; a read at the new revision settles it", () => {
  let state = run(loaded(), {
    kind: "diff-loaded",
    sessionId: "ses_a",
    revision: 0,
    diff: diff("working"),
  });
  state = run(state, changed(), changed());
  const c = state.changes.get("ses_a")!;
  strictEqual(c.revision, 2);
  strictEqual(isStale(c), true);
  // a read that started before the second change leaves it stale
  state = run(state, {
    kind: "diff-loaded",
    sessionId: "ses_a",
    revision: 1,
    diff: diff("working", 2),
  });
  strictEqual(isStale(state.changes.get("ses_a")!), true);
  strictEqual(state.changes.get("ses_a")!.diff?.files.length, 2);
  state = run(state, {
    kind: "diff-loaded",
    sessionId: "ses_a",
    revision: 2,
    diff: diff("working", 3),
  });
  strictEqual(isStale(state.changes.get("ses_a")!), false);
});

Deno.test("changes: a failed read is shown and counts as read (no retry loop)", () => {
  const state = run(loaded(), {
    kind: "diff-failed",
    sessionId: "ses_a",
    revision: 0,
    scope: "working",
    error: { status: 400, code: "not_a_git_repository", message: "no git" },
  });
  const c = state.changes.get("ses_a")!;
  deepStrictEqual(c.error?.code, "not_a_git_repository");
  strictEqual(isStale(c), false);
  // the next change reads again
  strictEqual(isStale(run(state, changed()).changes.get("ses_a")!), true);
});

Deno.test("changes: switching the scope drops the other scope's diff and ignores its late answer", () => {
  let state = run(loaded(), {
    kind: "diff-loaded",
    sessionId: "ses_a",
    revision: 0,
    diff: diff("working"),
  }, { kind: "diff-scope-chosen", sessionId: "ses_a", scope: "branch" });
  let c = state.changes.get("ses_a")!;
  strictEqual(c.scope, "branch");
  strictEqual(c.diff, null);
  strictEqual(isStale(c), true);
  state = run(state, {
    kind: "diff-loaded",
    sessionId: "ses_a",
    revision: 0,
    diff: diff("working", 5),
  });
  c = state.changes.get("ses_a")!;
  strictEqual(c.diff, null);
  state = run(state, {
    kind: "diff-loaded",
    sessionId: "ses_a",
    revision: 0,
    diff: diff("branch", 2),
  });
  strictEqual(state.changes.get("ses_a")!.diff?.scope, "branch");
  // choosing the same scope again changes nothing
  const same = run(state, {
    kind: "diff-scope-chosen",
    sessionId: "ses_a",
    scope: "branch",
  });
  strictEqual(same, state);
});

Deno.test("changes: revert from the page or from session.updated; unrelated updates are no-ops", () => {
  let state = run(loaded(), {
    kind: "session-reverted",
    sessionId: "ses_a",
    messageId: "msg_2",
  });
  strictEqual(state.changes.get("ses_a")!.revertedTo, "msg_2");
  const info = openCodeSession({ id: "ses_a", directory: "/wt" });
  state = run(state, {
    kind: "event",
    event: flockEvent("session.updated", { sessionID: "ses_a", info }),
    live: true,
  });
  strictEqual(state.changes.get("ses_a")!.revertedTo, null);
  state = run(state, {
    kind: "event",
    event: flockEvent("session.updated", {
      sessionID: "ses_a",
      info: { ...info, revert: { messageID: "msg_9" } },
    }),
    live: true,
  });
  strictEqual(state.changes.get("ses_a")!.revertedTo, "msg_9");
  // an unreverted session nothing is known about adds no entry
  const before = state.changes;
  const other = run(state, {
    kind: "event",
    event: flockEvent("session.updated", {
      sessionID: "ses_b",
      info: openCodeSession({ id: "ses_b" }),
    }),
    live: true,
  });
  strictEqual(other.changes.has("ses_b"), false);
  strictEqual(other.changes.get("ses_a"), before.get("ses_a"));
});

Deno.test("changes: a full refresh makes every diff stale; a deleted session is forgotten", () => {
  let state = run(loaded(), {
    kind: "diff-loaded",
    sessionId: "ses_a",
    revision: 0,
    diff: diff("working"),
  });
  state = run(state, {
    kind: "snapshot-loaded",
    snapshot: {
      instances: [INSTANCE],
      permissions: [],
      sessions: new Map([["inst_a", [session("ses_a")]]]),
      conversations: new Map(),
    },
  });
  strictEqual(isStale(state.changes.get("ses_a")!), true);
  state = run(state, { kind: "session-deleted", sessionId: "ses_a" });
  strictEqual(state.changes.has("ses_a"), false);
});
