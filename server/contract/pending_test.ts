import { assertEquals } from "../testing/assert.ts";
import { flockEvent, openCodeSession } from "../testing/event_fixtures.ts";
import { instanceJson } from "../testing/instance_fixtures.ts";
import { pendingChangeOf } from "./pending.ts";

const permission = {
  id: "per_1",
  sessionID: "ses_1",
  permission: "bash",
  patterns: ["ls"],
  metadata: {},
  always: ["ls *"],
};
const question = {
  id: "que_1",
  sessionID: "ses_1",
  questions: [{ question: "Q?", header: "Q", options: [] }],
};

Deno.test("pendingChangeOf: what each event does to the pending requests", () => {
  assertEquals(pendingChangeOf(flockEvent("permission.asked", permission)), {
    kind: "ask-permission",
    instanceId: "inst_a",
    request: permission,
  });
  assertEquals(pendingChangeOf(flockEvent("question.asked", question)), {
    kind: "ask-question",
    instanceId: "inst_a",
    request: question,
  });
  for (
    const event of [
      flockEvent("permission.replied", {
        sessionID: "ses_1",
        requestID: "per_1",
        reply: "once",
      }),
      flockEvent("question.replied", {
        sessionID: "ses_1",
        requestID: "per_1",
        answers: [["a"]],
      }),
      flockEvent("question.rejected", {
        sessionID: "ses_1",
        requestID: "per_1",
      }),
    ]
  ) {
    assertEquals(pendingChangeOf(event), {
      kind: "remove",
      requestId: "per_1",
    });
  }
  assertEquals(
    pendingChangeOf(
      flockEvent("session.deleted", {
        sessionID: "ses_1",
        info: openCodeSession({ id: "ses_1" }),
      }),
    ),
    { kind: "forget-session", sessionId: "ses_1" },
  );
  for (const status of ["stopping", "stopped", "error", "starting"] as const) {
    assertEquals(
      pendingChangeOf(
        flockEvent("instance.status", { instance: instanceJson({ status }) }),
      ),
      { kind: "clear", instanceId: "inst_a" },
    );
  }
  assertEquals(
    pendingChangeOf(
      flockEvent("instance.status", {
        instance: instanceJson({ status: "running" }),
      }),
    ),
    undefined,
  );
  assertEquals(pendingChangeOf(flockEvent("instance.removed", {})), {
    kind: "clear",
    instanceId: "inst_a",
  });
  const tagged = { ...permission, instance_id: "inst_a" };
  assertEquals(
    pendingChangeOf(
      flockEvent("instance.pending", { permissions: [tagged], questions: [] }),
    ),
    {
      kind: "replace",
      instanceId: "inst_a",
      permissions: [tagged],
      questions: [],
    },
  );
  assertEquals(
    pendingChangeOf(flockEvent("session.idle", { sessionID: "ses_1" })),
    undefined,
  );
});
