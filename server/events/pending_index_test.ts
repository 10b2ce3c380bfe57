import { assertEquals } from "../testing/assert.ts";
import { flockEvent } from "../testing/event_fixtures.ts";
import { PendingIndex } from "./pending_index.ts";

const permission = (id: string, sessionID: string) => ({
  id,
  sessionID,
  permission: "bash",
  patterns: ["ls"],
  metadata: {},
  always: ["ls *"],
});
const question = (id: string, sessionID: string) => ({
  id,
  sessionID,
  questions: [{ question: "Q?", header: "Q", options: [] }],
});
// ses_child was started by ses_root.
const rootOf = (id: string) => id === "ses_child" ? "ses_root" : id;

Deno.test("PendingIndex: asked, answered, rolled up to the root session", () => {
  const index = new PendingIndex(rootOf);
  index.apply(flockEvent("permission.asked", permission("per_1", "ses_root")));
  index.apply(flockEvent("question.asked", question("que_1", "ses_child")));
  index.apply(
    flockEvent("question.asked", question("que_2", "ses_other"), "inst_b"),
  );
  assertEquals(index.permissions().map((p) => [p.id, p.root_session_id]), [[
    "per_1",
    "ses_root",
  ]]);
  assertEquals(
    index.questions().map((q) => [q.id, q.instance_id, q.root_session_id]),
    [["que_1", "inst_a", "ses_root"], ["que_2", "inst_b", "ses_other"]],
  );
  assertEquals(
    index.questions({ rootSessionId: "ses_root" }).map((q) => q.id),
    ["que_1"],
  );
  assertEquals(
    index.questions({ sessionId: "ses_child" }).map((q) => q.id),
    ["que_1"],
  );
  assertEquals(index.question("que_1")?.sessionID, "ses_child");
  index.apply(
    flockEvent("question.rejected", {
      sessionID: "ses_child",
      requestID: "que_1",
    }),
  );
  assertEquals(index.question("que_1"), undefined);
  index.forget("per_1");
  assertEquals(index.permissions(), []);
});

Deno.test("PendingIndex: a child that is gone clears its instance; a resync replaces it", () => {
  const index = new PendingIndex(rootOf);
  index.apply(flockEvent("permission.asked", permission("per_dead", "ses_1")));
  index.apply(
    flockEvent("permission.asked", permission("per_b", "ses_2"), "inst_b"),
  );
  const snapshot = index.snapshot("inst_a", [permission("per_new", "ses_1")], [
    question("que_new", "ses_child"),
  ]);
  assertEquals(snapshot.type, "instance.pending");
  assertEquals(snapshot.properties.questions[0]?.root_session_id, "ses_root");
  // Computing the event changes nothing; applying it replaces inst_a's.
  assertEquals(index.permissions().length, 2);
  index.apply(snapshot);
  assertEquals(index.permissions().map((p) => p.id).sort(), [
    "per_b",
    "per_new",
  ]);
  assertEquals(index.questions().map((q) => q.id), ["que_new"]);
  index.apply(flockEvent("instance.removed", {}, "inst_b"));
  assertEquals(index.permissions().map((p) => p.id), ["per_new"]);
});
