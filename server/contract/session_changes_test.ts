import { assertEquals } from "../testing/assert.ts";
import { flockEvent, openCodeSession } from "../testing/event_fixtures.ts";
import { instanceJson } from "../testing/instance_fixtures.ts";
import { childSessionChangeOf, sessionChangeOf } from "./session_changes.ts";

const session = openCodeSession({ id: "ses_1" });

Deno.test("sessionChangeOf: what each event does to the session list", () => {
  const upsert = { kind: "upsert", instanceId: "inst_a", session };
  assertEquals(
    sessionChangeOf(
      flockEvent("session.created", { sessionID: "ses_1", info: session }),
    ),
    upsert,
  );
  assertEquals(
    sessionChangeOf(
      flockEvent("session.updated", { sessionID: "ses_1", info: session }),
    ),
    upsert,
  );
  assertEquals(
    sessionChangeOf(
      flockEvent("session.deleted", { sessionID: "ses_1", info: session }),
    ),
    { kind: "delete", sessionId: "ses_1" },
  );
  assertEquals(
    sessionChangeOf(flockEvent("session.status", {
      sessionID: "ses_1",
      status: { type: "retry", attempt: 1, message: "m", next: 1 },
    })),
    { kind: "status", sessionId: "ses_1", status: "retry" },
  );
  assertEquals(
    sessionChangeOf(flockEvent("session.idle", { sessionID: "ses_1" })),
    { kind: "status", sessionId: "ses_1", status: "idle" },
  );
  assertEquals(
    sessionChangeOf(flockEvent("session.error", { sessionID: "ses_1" })),
    { kind: "status", sessionId: "ses_1", status: "error" },
  );
  assertEquals(
    sessionChangeOf(
      flockEvent("instance.status", {
        instance: instanceJson({ status: "stopped" }),
      }),
    ),
    { kind: "settle", instanceId: "inst_a" },
  );
  assertEquals(
    sessionChangeOf(flockEvent("instance.sessions", { sessions: [] })),
    { kind: "replace", instanceId: "inst_a", sessions: [] },
  );
  assertEquals(
    sessionChangeOf(flockEvent("instance.removed", {})),
    { kind: "forget", instanceId: "inst_a" },
  );
});

Deno.test("sessionChangeOf: an archived session leaves the list", () => {
  const archived = openCodeSession({
    id: "ses_1",
    time: { created: 1, updated: 2, archived: 2 },
  });
  assertEquals(
    sessionChangeOf(
      flockEvent("session.updated", { sessionID: "ses_1", info: archived }),
    ),
    { kind: "delete", sessionId: "ses_1" },
  );
});

Deno.test("sessionChangeOf: events that leave the list alone", () => {
  const child = openCodeSession({ id: "ses_2", parentID: "ses_1" });
  assertEquals(
    sessionChangeOf(
      flockEvent("session.created", { sessionID: "ses_2", info: child }),
    ),
    undefined,
  );
  assertEquals(
    sessionChangeOf(
      flockEvent("instance.status", {
        instance: instanceJson({ status: "running" }),
      }),
    ),
    undefined,
  );
  assertEquals(sessionChangeOf(flockEvent("session.error", {})), undefined);
  assertEquals(
    sessionChangeOf(flockEvent("todo.updated", { sessionID: "s", todos: [] })),
    undefined,
  );
  assertEquals(
    sessionChangeOf({ type: "session.future", properties: { sessionID: "s" } }),
    undefined,
  );
});

Deno.test("childSessionChangeOf: a subagent's child session is recorded apart", () => {
  const child = openCodeSession({ id: "ses_c", parentID: "ses_1" });
  for (const type of ["session.created", "session.updated"] as const) {
    assertEquals(
      childSessionChangeOf(
        flockEvent(type, { sessionID: "ses_c", info: child }),
      ),
      { kind: "upsert", instanceId: "inst_a", session: child },
    );
    assertEquals(
      sessionChangeOf(flockEvent(type, { sessionID: "ses_c", info: child })),
      undefined,
    );
  }
  const archived = { ...child, time: { ...child.time, archived: 1 } };
  assertEquals(
    childSessionChangeOf(
      flockEvent("session.updated", { sessionID: "ses_c", info: archived }),
    ),
    { kind: "delete", sessionId: "ses_c" },
  );
  const root = openCodeSession({ id: "ses_1" });
  assertEquals(
    childSessionChangeOf(
      flockEvent("session.created", { sessionID: "ses_1", info: root }),
    ),
    undefined,
  );
});
