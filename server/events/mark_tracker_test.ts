import { MIGRATIONS } from "../../migrations/migrations.ts";
import type { WireEvent } from "../contract/events.ts";
import type { InstanceJson } from "../contract/instances.ts";
import type { OpenCodeToolPart } from "../contract/opencode.ts";
import { openDatabase } from "../db/database.ts";
import { InstanceStore } from "../db/instance_store.ts";
import { MarkStore } from "../db/mark_store.ts";
import { migrate } from "../db/migrate.ts";
import { assertEquals, assertMatch } from "../testing/assert.ts";
import { assistantMessage, flockEvent } from "../testing/event_fixtures.ts";
import { MarkTracker } from "./mark_tracker.ts";

function setup() {
  const db = openDatabase(":memory:");
  migrate(db, MIGRATIONS);
  const instances = new InstanceStore(db);
  const row = instances.create({
    id: "i1",
    name: "a",
    working_directory: "/a",
  });
  const published: WireEvent[] = [];
  const store = new MarkStore(db);
  const tracker = new MarkTracker({
    store,
    publish: (e) => published.push(e),
    now: () => Date.UTC(2026, 11, 1),
  });
  return { db, row, store, tracker, published };
}

function tool(
  id: string,
  status: "pending" | "running" | "completed" | "error",
): WireEvent {
  const base = { id, sessionID: "s1", messageID: "m1", callID: `c_${id}` };
  const time = { start: 1, end: 2 };
  const part: OpenCodeToolPart = {
    ...base,
    type: "tool",
    tool: "bash",
    state: status === "pending"
      ? { status, input: {}, raw: "" }
      : status === "running"
      ? { status, input: {}, time: { start: 1 } }
      : status === "completed"
      ? { status, input: {}, output: "", title: "", metadata: {}, time }
      : { status, input: {}, error: "no", time },
  };
  return flockEvent(
    "message.part.updated",
    { sessionID: "s1", part, time: 1 },
    "i1",
  );
}

function instanceEvent(
  row: InstanceJson,
  status: InstanceJson["status"],
  patch: Partial<InstanceJson> = {},
): WireEvent {
  return flockEvent(
    "instance.status",
    { instance: { ...row, status, ...patch } },
    "i1",
  );
}

Deno.test("MarkTracker: a tool call still running when its OpenCode dies is marked interrupted; then recovered", () => {
  const { db, row, tracker, published } = setup();
  try {
    tracker.apply(tool("p_done", "running"));
    tracker.apply(tool("p_done", "completed"));
    tracker.apply(tool("p_dead", "pending"));
    tracker.apply(tool("p_dead", "running"));
    tracker.apply(instanceEvent(row, "error", {
      last_error: "OpenCode exited unexpectedly (exit code 137)\nLast output:",
    }));
    const marks = tracker.marksOf("s1");
    assertEquals(marks.map((m) => [m.kind, m.part_id, m.tool]), [[
      "interrupted",
      "p_dead",
      "bash",
    ]]);
    assertMatch(marks[0]!.reason, /exited unexpectedly \(exit code 137\)$/);
    assertEquals(published.map((e) => e.type), ["marks.updated"]);
    tracker.apply(instanceEvent(row, "starting", { restart_count: 1 }));
    tracker.apply(instanceEvent(row, "running", { restart_count: 1 }));
    const recovered = published.at(-1);
    assertEquals(recovered?.type, "instance.recovered");
    assertEquals(recovered?.properties, {
      reason: "OpenCode exited unexpectedly (exit code 137)",
      restart_count: 1,
      interrupted: 1,
      logs: "/api/instances/i1/logs",
      at: "2026-12-01T00:00:00.000Z",
    });
    // OpenCode reporting the part finished after all removes the mark.
    tracker.apply(tool("p_dead", "error"));
    assertEquals(tracker.marksOf("s1"), []);
    assertEquals(published.at(-1)?.type, "marks.updated");
  } finally {
    db.close();
  }
});

Deno.test("MarkTracker: a stop marks interrupted calls but is no crash", () => {
  const { db, row, tracker, published } = setup();
  try {
    tracker.apply(tool("p1", "running"));
    tracker.apply(instanceEvent(row, "stopping"));
    tracker.apply(instanceEvent(row, "stopped"));
    assertMatch(tracker.marksOf("s1")[0]!.reason, /stopped/);
    tracker.apply(instanceEvent(row, "running"));
    assertEquals(
      published.filter((e) => e.type === "instance.recovered"),
      [],
    );
  } finally {
    db.close();
  }
});

Deno.test("MarkTracker: a retry that ends in idle marks the reply aborted", () => {
  const { db, tracker, published } = setup();
  try {
    const status = (type: "busy" | "retry" | "idle") =>
      flockEvent("session.status", {
        sessionID: "s1",
        status: type === "retry"
          ? { type, attempt: 1, message: "down", next: 1 }
          : { type },
      }, "i1");
    tracker.apply(status("busy"));
    tracker.apply(
      flockEvent("message.updated", {
        sessionID: "s1",
        info: assistantMessage("m_ok", "s1"),
      }, "i1"),
    );
    tracker.apply(status("idle")); // busy → idle: a normal end
    assertEquals(tracker.marksOf("s1"), []);
    tracker.apply(status("busy"));
    tracker.apply(
      flockEvent("message.updated", {
        sessionID: "s1",
        info: assistantMessage("m_retry", "s1"),
      }, "i1"),
    );
    tracker.apply(status("retry"));
    tracker.apply(status("idle"));
    tracker.apply(flockEvent("session.idle", { sessionID: "s1" }, "i1"));
    assertEquals(
      tracker.marksOf("s1").map((m) => [m.kind, m.message_id, m.part_id]),
      [["aborted", "m_retry", null]],
    );
    assertEquals(published.map((e) => e.type), ["marks.updated"]);
  } finally {
    db.close();
  }
});

Deno.test("MarkTracker: tool calls a previous Flock saw running are marked at start", () => {
  const { db, store } = setup();
  try {
    store.addLive({
      part_id: "p_left",
      session_id: "s1",
      message_id: "m1",
      instance_id: "i1",
      tool: "bash",
    });
    const tracker = new MarkTracker({
      store,
      publish: () => {},
      now: () => 0,
    });
    assertEquals(tracker.interruptLeftovers(), 1);
    assertMatch(tracker.marksOf("s1")[0]!.reason, /Flock stopped/);
    assertEquals(store.liveParts(), []);
  } finally {
    db.close();
  }
});
