import {
  deepStrictEqual,
  notStrictEqual,
  strictEqual,
} from "node:assert/strict";
import { instanceJson } from "../../../server/testing/instance_fixtures.ts";
import type { SessionJson } from "../../../server/contract/sessions.ts";
import {
  assistantMessage,
  flockEvent,
  openCodeSession,
  textPart,
  userMessage,
} from "../../../server/testing/event_fixtures.ts";
import { conversationFromHistory } from "../conversation.ts";
import type { StoreAction } from "./actions.ts";
import { reduce } from "./reducer.ts";
import { signalsOf } from "./signals.ts";
import { EMPTY_STATE, type FlockState } from "./state.ts";

function session(id: string, instanceId: string): SessionJson {
  return {
    id,
    instance_id: instanceId,
    title: id,
    status: "idle",
    created_at: "1",
    updated_at: "1",
  };
}
const live = (
  e: Extract<StoreAction, { kind: "event" }>["event"],
): StoreAction => ({
  kind: "event",
  event: e,
  live: true,
});

/** Two instances, three sessions, a permission, one open conversation. */
function loaded(): FlockState {
  const snapshot: StoreAction = {
    kind: "snapshot-loaded",
    snapshot: {
      instances: [instanceJson({ id: "i1" }), instanceJson({ id: "i2" })],
      permissions: [{
        id: "per_1",
        sessionID: "s2",
        permission: "bash",
        patterns: ["ls"],
        metadata: {},
        always: [],
        instance_id: "i1",
      }],
      questions: [],
      children: new Map(),
      sessions: new Map([
        ["i1", [session("s1", "i1"), session("s2", "i1")]],
        ["i2", [session("s3", "i2")]],
      ]),
      conversations: new Map(),
    },
  };
  let state = reduce(EMPTY_STATE, snapshot);
  state = reduce(state, { kind: "conversation-loading", sessionId: "s1" });
  return reduce(state, {
    kind: "conversation-loaded",
    sessionId: "s1",
    conversation: conversationFromHistory([
      {
        info: userMessage("msg_1", "s1"),
        parts: [textPart("prt_u", "msg_1", "s1", "hi")],
      },
      {
        info: assistantMessage("msg_2", "s1"),
        parts: [textPart("prt_a", "msg_2", "s1", "Hello")],
      },
      {
        info: assistantMessage("msg_3", "s1"),
        parts: [textPart("prt_b", "msg_3", "s1", "There")],
      },
    ]),
  });
}

const delta = (text: string) =>
  live(flockEvent("message.part.delta", {
    sessionID: "s1",
    messageID: "msg_3",
    partID: "prt_b",
    field: "text",
    delta: text,
  }, "i1"));

Deno.test("a delta changes only its conversation, message and part", () => {
  const before = loaded();
  const after = reduce(before, delta("!"));
  for (
    const slice of ["load", "instances", "sessions", "permissions"] as const
  ) {
    strictEqual(after[slice], before[slice], slice);
  }
  notStrictEqual(after.conversations, before.conversations);
  const [m1, m2, m3] = after.conversations.get("s1")!.conversation.messages;
  const [o1, o2, o3] = before.conversations.get("s1")!.conversation.messages;
  strictEqual(m1, o1);
  strictEqual(m2, o2);
  notStrictEqual(m3, o3);
  deepStrictEqual(m3?.parts.map((p) => p.type === "text" && p.text), [
    "There!",
  ]);
});

Deno.test("an action that changes nothing returns the same state", () => {
  const before = loaded();
  const noops: StoreAction[] = [
    live(flockEvent("session.idle", { sessionID: "s1" }, "i1")),
    live(flockEvent("permission.replied", {
      sessionID: "s1",
      requestID: "per_unknown",
      reply: "once",
    }, "i1")),
    // a delta for a conversation that is not open
    live(flockEvent("message.part.delta", {
      sessionID: "s3",
      messageID: "msg_9",
      partID: "prt_9",
      field: "text",
      delta: "x",
    }, "i2")),
    { kind: "instance-saved", instance: before.instances.get("i1")! },
    { kind: "session-saved", session: { ...before.sessions.byId.get("s2")! } },
    { kind: "permission-answered", permissionId: "per_unknown" },
  ];
  for (const action of noops) strictEqual(reduce(before, action), before);
});

Deno.test("a subagent's session changes the children only", () => {
  const before = loaded();
  const after = reduce(
    before,
    live(flockEvent("session.updated", {
      sessionID: "s_other",
      info: openCodeSession({ id: "s_other", parentID: "s1" }),
    }, "i1")),
  );
  strictEqual(after.sessions, before.sessions);
  strictEqual(after.conversations, before.conversations);
  strictEqual(after.children.get("s_other")?.parent_id, "s1");
});

Deno.test("a session status changes that session only", () => {
  const before = loaded();
  const after = reduce(
    before,
    live(flockEvent("session.status", {
      sessionID: "s2",
      status: { type: "busy" },
    }, "i1")),
  );
  strictEqual(after.sessions.byId.get("s2")?.status, "busy");
  strictEqual(after.sessions.byId.get("s1"), before.sessions.byId.get("s1"));
  strictEqual(after.sessions.byId.get("s3"), before.sessions.byId.get("s3"));
  strictEqual(after.instances, before.instances);
  strictEqual(after.conversations, before.conversations);
  strictEqual(after.permissions, before.permissions);
});

Deno.test("a session that leaves the list takes its permissions and conversation", () => {
  const before = loaded();
  const gone = reduce(before, { kind: "session-deleted", sessionId: "s2" });
  strictEqual(gone.permissions.size, 0);
  strictEqual(gone.conversations, before.conversations);
  const replaced = reduce(
    before,
    live(
      flockEvent(
        "instance.sessions",
        { sessions: [session("s2", "i1")] },
        "i1",
      ),
    ),
  );
  deepStrictEqual([...replaced.sessions.byId.keys()].sort(), ["s2", "s3"]);
  strictEqual(replaced.conversations.has("s1"), false);
  strictEqual(replaced.permissions, before.permissions);
  strictEqual(replaced.sessions.byId.get("s2"), before.sessions.byId.get("s2"));
});

Deno.test("a removed instance takes its sessions, permissions and conversations", () => {
  const before = loaded();
  for (
    const action of [
      live(flockEvent("instance.removed", {}, "i1")),
      { kind: "instance-deleted", instanceId: "i1" } as const,
    ]
  ) {
    const after = reduce(before, action);
    deepStrictEqual([...after.instances.keys()], ["i2"]);
    deepStrictEqual([...after.sessions.byId.keys()], ["s3"]);
    strictEqual(after.permissions.size, 0);
    strictEqual(after.conversations.size, 0);
  }
});

Deno.test("a snapshot equal to the state keeps every object", () => {
  const before = loaded();
  const after = reduce(before, {
    kind: "snapshot-loaded",
    snapshot: {
      instances: [instanceJson({ id: "i1" }), instanceJson({ id: "i2" })],
      permissions: [...before.permissions.values()],
      questions: [],
      children: new Map(),
      sessions: new Map([
        ["i1", [session("s1", "i1"), session("s2", "i1")]],
        ["i2", null],
      ]),
      conversations: new Map(),
    },
  });
  strictEqual(after.instances, before.instances);
  strictEqual(after.sessions, before.sessions);
  strictEqual(after.permissions, before.permissions);
  strictEqual(after, before);
});

Deno.test("events of a loading conversation wait for its history", () => {
  let state = loaded();
  state = reduce(state, { kind: "conversation-loading", sessionId: "s1" });
  strictEqual(reduce(state, delta("x")), state);
});

Deno.test("signals: only live events, only real transitions", () => {
  const before = reduce(
    loaded(),
    live(
      flockEvent("session.status", {
        sessionID: "s1",
        status: { type: "busy" },
      }, "i1"),
    ),
  );
  const idle = live(flockEvent("session.idle", { sessionID: "s1" }, "i1"));
  const after = reduce(before, idle);
  deepStrictEqual(signalsOf(before, after, idle).map((s) => s.kind), [
    "session-finished",
  ]);
  deepStrictEqual(signalsOf(after, reduce(after, idle), idle), []);
  const replay = { ...idle, live: false } as StoreAction;
  deepStrictEqual(signalsOf(before, reduce(before, replay), replay), []);
});

Deno.test("instance.pending replaces the instance's permissions, not another's", () => {
  const before = loaded();
  const other = {
    id: "per_2",
    sessionID: "s3",
    permission: "edit",
    patterns: ["a.ts"],
    metadata: {},
    always: [],
    instance_id: "i2",
  };
  const withOther = reduce(
    before,
    live(flockEvent("permission.asked", other, "i2")),
  );
  // after a restart of i1, its OpenCode holds nothing: per_1 is dead
  const restarted = reduce(
    withOther,
    live(
      flockEvent("instance.pending", { permissions: [], questions: [] }, "i1"),
    ),
  );
  deepStrictEqual([...restarted.permissions.keys()], ["per_2"]);
  strictEqual(
    restarted.permissions.get("per_2"),
    withOther.permissions.get("per_2"),
  );
  // a reconnect that finds the same requests changes nothing
  const same = reduce(
    withOther,
    live(
      flockEvent("instance.pending", {
        permissions: [{ ...before.permissions.get("per_1")! }],
        questions: [],
      }, "i1"),
    ),
  );
  strictEqual(same.permissions, withOther.permissions);
});
