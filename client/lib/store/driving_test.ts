import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { instanceJson } from "../../../server/testing/instance_fixtures.ts";
import type { QuestionJson } from "../../../server/contract/questions.ts";
import type { QueuedMessageJson } from "../../../server/contract/queue.ts";
import type { SessionJson } from "../../../server/contract/sessions.ts";
import {
  flockEvent,
  openCodeSession,
} from "../../../server/testing/event_fixtures.ts";
import type { StoreAction } from "./actions.ts";
import { reduce } from "./reducer.ts";
import { EMPTY_STATE, type FlockState } from "./state.ts";

function session(id: string, extra: Partial<SessionJson> = {}): SessionJson {
  return {
    id,
    instance_id: "inst_a",
    title: id,
    status: "idle",
    created_at: "1",
    updated_at: "1",
    ...extra,
  };
}
function question(id: string, sessionId: string, root = sessionId) {
  const q: QuestionJson = {
    id,
    sessionID: sessionId,
    questions: [{
      question: "Which colour?",
      header: "Colour",
      options: [{ label: "Red", description: "" }],
    }],
    instance_id: "inst_a",
    root_session_id: root,
  };
  return q;
}
function queued(id: string, status: QueuedMessageJson["status"] = "queued") {
  const q: QueuedMessageJson = {
    id,
    session_id: "ses_root",
    instance_id: "inst_a",
    kind: "message",
    text: id,
    command: null,
    model: null,
    agent: null,
    variant: null,
    status,
    error: null,
    created_at: "1",
    updated_at: "1",
  };
  return q;
}
const live = (event: Extract<StoreAction, { kind: "event" }>["event"]) =>
  ({ kind: "event", event, live: true }) as const;

function loaded(): FlockState {
  return reduce(EMPTY_STATE, {
    kind: "snapshot-loaded",
    snapshot: {
      instances: [instanceJson()],
      permissions: [],
      questions: [question("que_1", "ses_child", "ses_root")],
      sessions: new Map([["inst_a", [session("ses_root")]]]),
      children: new Map([[
        "inst_a",
        [session("ses_child", { parent_id: "ses_root" })],
      ]]),
      conversations: new Map(),
    },
  });
}

Deno.test("questions: a snapshot loads them, a reply elsewhere removes one", () => {
  const state = loaded();
  strictEqual(state.questions.get("que_1")?.root_session_id, "ses_root");
  const after = reduce(
    state,
    live(flockEvent("question.replied", {
      sessionID: "ses_child",
      requestID: "que_1",
      answers: [["Red"]],
    })),
  );
  strictEqual(after.questions.size, 0);
  strictEqual(after.children, state.children);
});

Deno.test("questions: an asked event rolls up through root_session_id", () => {
  const event = {
    ...flockEvent("question.asked", {
      id: "que_2",
      sessionID: "ses_child",
      questions: question("x", "y").questions,
    }),
    root_session_id: "ses_root",
  };
  const after = reduce(loaded(), live(event));
  strictEqual(after.questions.get("que_2")?.root_session_id, "ses_root");
  strictEqual(after.questions.get("que_2")?.instance_id, "inst_a");
});

Deno.test("questions: answered here, rejected, instance down, replaced", () => {
  const state = loaded();
  strictEqual(
    reduce(state, { kind: "question-answered", questionId: "que_1" })
      .questions.size,
    0,
  );
  const rejected = reduce(
    state,
    live(flockEvent("question.rejected", {
      sessionID: "ses_child",
      requestID: "que_1",
    })),
  );
  strictEqual(rejected.questions.size, 0);
  const stopped = reduce(
    state,
    live(flockEvent("instance.status", {
      instance: instanceJson({ status: "error" }),
    })),
  );
  strictEqual(stopped.questions.size, 0);
  const replaced = reduce(
    stopped,
    live(flockEvent("instance.pending", {
      permissions: [],
      questions: [question("que_9", "ses_root")],
    })),
  );
  deepStrictEqual([...replaced.questions.keys()], ["que_9"]);
  // the same pending list again changes nothing
  const again = reduce(
    replaced,
    live(flockEvent("instance.pending", {
      permissions: [],
      questions: [question("que_9", "ses_root")],
    })),
  );
  strictEqual(again.questions, replaced.questions);
});

Deno.test("questions and children go with their root session", () => {
  const after = reduce(loaded(), {
    kind: "session-deleted",
    sessionId: "ses_root",
  });
  strictEqual(after.questions.size, 0);
  strictEqual(after.children.size, 0);
});

Deno.test("children: created, status, archived; listed sessions untouched", () => {
  const state = loaded();
  const created = reduce(
    state,
    live(flockEvent("session.created", {
      sessionID: "ses_c2",
      info: openCodeSession({ id: "ses_c2", parentID: "ses_root" }),
    })),
  );
  strictEqual(created.children.get("ses_c2")?.parent_id, "ses_root");
  strictEqual(created.sessions, state.sessions);
  const busy = reduce(
    created,
    live(flockEvent("session.status", {
      sessionID: "ses_c2",
      status: { type: "busy" },
    })),
  );
  strictEqual(busy.children.get("ses_c2")?.status, "busy");
  const settled = reduce(
    busy,
    live(flockEvent("instance.status", {
      instance: instanceJson({ status: "stopped" }),
    })),
  );
  strictEqual(settled.children.get("ses_c2")?.status, "idle");
  const deleted = reduce(
    created,
    live(flockEvent("session.deleted", {
      sessionID: "ses_c2",
      info: openCodeSession({ id: "ses_c2", parentID: "ses_root" }),
    })),
  );
  strictEqual(deleted.children.has("ses_c2"), false);
});

Deno.test("children: instance.sessions replaces them only when it carries them", () => {
  const state = loaded();
  const without = reduce(
    state,
    live(flockEvent("instance.sessions", { sessions: [session("ses_root")] })),
  );
  strictEqual(without.children, state.children);
  const replaced = reduce(
    state,
    live(flockEvent("instance.sessions", {
      sessions: [session("ses_root")],
      children: [],
    })),
  );
  strictEqual(replaced.children.size, 0);
});

Deno.test("queues, marks and todos follow their events and loads", () => {
  const state = loaded();
  const q = reduce(
    state,
    live(flockEvent("queue.updated", {
      sessionID: "ses_root",
      queue: [queued("q_1"), queued("q_2", "failed")],
    })),
  );
  deepStrictEqual(
    q.driving.queues.get("ses_root")?.map((m) => m.id),
    ["q_1", "q_2"],
  );
  strictEqual(q.sessions, state.sessions);
  // the same queue loaded over REST keeps the objects
  const same = reduce(q, {
    kind: "queue-loaded",
    sessionId: "ses_root",
    queue: [queued("q_1"), queued("q_2", "failed")],
  });
  strictEqual(same, q);
  const emptied = reduce(
    q,
    live(flockEvent("queue.updated", { sessionID: "ses_root", queue: [] })),
  );
  strictEqual(emptied.driving.queues.has("ses_root"), false);

  const marked = reduce(state, {
    kind: "marks-loaded",
    sessionId: "ses_root",
    marks: [{
      kind: "interrupted",
      session_id: "ses_root",
      message_id: "msg_1",
      part_id: "prt_1",
      tool: "bash",
      reason: "OpenCode exited unexpectedly",
      at: "1",
    }],
  });
  strictEqual(marked.driving.marks.get("ses_root")?.[0]?.part_id, "prt_1");

  const todos = reduce(
    state,
    live(flockEvent("todo.updated", {
      sessionID: "ses_root",
      todos: [{ content: "Write tests", status: "pending", priority: "high" }],
    })),
  );
  strictEqual(todos.driving.todos.get("ses_root")?.[0]?.content, "Write tests");
  const gone = reduce(todos, {
    kind: "session-deleted",
    sessionId: "ses_root",
  });
  strictEqual(gone.driving.todos.size, 0);
});

Deno.test("catalogs are dropped when the instance stops; recoveries until dismissed", () => {
  const state = reduce(loaded(), {
    kind: "catalog-loaded",
    instanceId: "inst_a",
    catalog: {
      agents: [],
      models: { default: null, providers: [] },
      commands: [],
    },
  });
  strictEqual(state.driving.catalogs.has("inst_a"), true);
  const stopped = reduce(
    state,
    live(flockEvent("instance.status", {
      instance: instanceJson({ status: "stopped" }),
    })),
  );
  strictEqual(stopped.driving.catalogs.has("inst_a"), false);

  const recovered = reduce(
    state,
    live(flockEvent("instance.recovered", {
      reason: "OpenCode exited with code 137",
      restart_count: 1,
      interrupted: 2,
      logs: "/api/instances/inst_a/logs",
      at: "1",
    })),
  );
  strictEqual(recovered.driving.recoveries.get("inst_a")?.interrupted, 2);
  const dismissed = reduce(recovered, {
    kind: "recovery-dismissed",
    instanceId: "inst_a",
  });
  strictEqual(dismissed.driving.recoveries.size, 0);
});

Deno.test("usage loads keep the object when nothing changed", () => {
  const usage = {
    instance_id: "inst_a",
    sessions: 2,
    busy: 0,
    cost: 0.5,
    tokens: { input: 1, output: 2, reasoning: 0, cache: { read: 0, write: 0 } },
  };
  const once = reduce(loaded(), { kind: "usage-loaded", usage });
  const twice = reduce(once, {
    kind: "usage-loaded",
    usage: structuredClone(usage),
  });
  strictEqual(twice, once);
  const removed = reduce(
    once,
    live(flockEvent("instance.removed", {})),
  );
  strictEqual(removed.driving.usage.size, 0);
});
