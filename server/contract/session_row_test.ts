import { assertEquals } from "../testing/assert.ts";
import { openCodeSession } from "../testing/event_fixtures.ts";
import {
  isListedSession,
  isoTime,
  isRootSession,
  sessionRecordOf,
  sessionRowOf,
  sessionStatusOf,
  tokensOf,
} from "./session_row.ts";

Deno.test("sessionRowOf: a root session becomes a row with ISO times", () => {
  const session = openCodeSession({
    id: "ses_1",
    title: "Fix the tests",
    time: { created: Date.UTC(2026, 0, 2, 3), updated: Date.UTC(2026, 0, 3) },
  });
  assertEquals(sessionRowOf("inst_a", session, "busy"), {
    id: "ses_1",
    instance_id: "inst_a",
    title: "Fix the tests",
    status: "busy",
    created_at: "2026-01-02T03:00:00.000Z",
    updated_at: "2026-01-03T00:00:00.000Z",
    directory: "/tmp/project",
  });
});

Deno.test("sessionRowOf: a child session (task sub-agent) has no row", () => {
  const child = openCodeSession({ id: "ses_2", parentID: "ses_1" });
  assertEquals(isRootSession(child), false);
  assertEquals(sessionRowOf("inst_a", child, "idle"), undefined);
  assertEquals(
    isRootSession(openCodeSession({ id: "ses_3", parentID: "" })),
    true,
  );
});

Deno.test("sessionRowOf: an archived session has no row", () => {
  const archived = openCodeSession({
    id: "ses_1",
    time: { created: 1, updated: 2, archived: 2 },
  });
  assertEquals(isListedSession(archived), false);
  assertEquals(sessionRowOf("inst_a", archived, "idle"), undefined);
});

Deno.test("sessionRowOf: times out of range fall back instead of throwing", () => {
  const session = openCodeSession({
    id: "ses_1",
    time: { created: 8.64e15 + 1, updated: Number.NaN },
  });
  const row = sessionRowOf("inst_a", session, "idle");
  assertEquals(row?.created_at, "1970-01-01T00:00:00.000Z");
  assertEquals(row?.updated_at, "1970-01-01T00:00:00.000Z");
  assertEquals(isoTime(0), "1970-01-01T00:00:00.000Z");
  assertEquals(isoTime(Number.POSITIVE_INFINITY), undefined);
});

Deno.test("sessionStatusOf maps OpenCode's statuses", () => {
  assertEquals(sessionStatusOf({ type: "idle" }), "idle");
  assertEquals(sessionStatusOf({ type: "busy" }), "busy");
  assertEquals(
    sessionStatusOf({ type: "retry", attempt: 1, message: "m", next: 2 }),
    "retry",
  );
});

Deno.test("sessionRecordOf: a child session's row has its parent; model, agent, tokens and cost when OpenCode reports them", () => {
  const child = openCodeSession({
    id: "ses_c",
    parentID: "ses_p",
    agent: "general",
    model: { id: "fake-model", providerID: "fake", variant: "deep" },
    cost: 0.25,
    tokens: {
      input: 10,
      output: 5,
      reasoning: 1,
      cache: { read: 2, write: 3 },
    },
  });
  assertEquals(sessionRowOf("inst_a", child, "idle"), undefined);
  const row = sessionRecordOf("inst_a", child, "busy");
  assertEquals(row?.parent_id, "ses_p");
  assertEquals(row?.model, "fake/fake-model");
  assertEquals(row?.variant, "deep");
  assertEquals(row?.agent, "general");
  assertEquals(row?.cost, 0.25);
  assertEquals(row?.tokens, {
    input: 10,
    output: 5,
    reasoning: 1,
    cache: { read: 2, write: 3 },
  });
  // Absent when OpenCode has not reported them (a fresh session).
  const fresh = sessionRowOf(
    "inst_a",
    openCodeSession({ id: "ses_f" }),
    "idle",
  );
  assertEquals(
    Object.keys(fresh ?? {}).sort(),
    [
      "created_at",
      "directory",
      "id",
      "instance_id",
      "status",
      "title",
      "updated_at",
    ],
  );
  assertEquals(tokensOf({ input: 1 }), undefined);
  assertEquals(
    tokensOf({
      input: -1,
      output: 0,
      reasoning: 0,
      cache: { read: 0, write: 0 },
    }),
    undefined,
  );
});
