import { MIGRATIONS } from "../../migrations/migrations.ts";
import type { FlockEvent, InstanceJson } from "../api_types.ts";
import { openDatabase } from "../db/database.ts";
import { InstanceStore } from "../db/instance_store.ts";
import { migrate } from "../db/migrate.ts";
import { SessionStore } from "../db/session_store.ts";
import { assertEquals } from "../testing/assert.ts";
import { isoTime, SessionTracker } from "./session_tracker.ts";

function setup() {
  const db = openDatabase(":memory:");
  migrate(db, MIGRATIONS);
  const instances = new InstanceStore(db);
  const sessions = new SessionStore(db);
  const inst = instances.create({
    id: "i1",
    name: "a",
    working_directory: "/a",
  });
  return {
    db,
    instances,
    sessions,
    inst,
    tracker: new SessionTracker(sessions),
  };
}

function oc(type: string, properties: Record<string, unknown>): FlockEvent {
  return { type, instance_id: "i1", properties };
}

const info = (
  id: string,
  title: string,
  extra: Record<string, unknown> = {},
) => ({
  id,
  title,
  time: { created: 1_795_465_620_000, updated: 1_795_465_621_000 },
  ...extra,
});

Deno.test("session.created/updated upsert root sessions and keep the status", () => {
  const { db, sessions, tracker } = setup();
  try {
    tracker.apply(oc("session.created", { info: info("ses_1", "New") }));
    let s = sessions.get("ses_1")!;
    assertEquals([s.title, s.status, s.instance_id], ["New", "idle", "i1"]);
    assertEquals(s.created_at, isoTime(1_795_465_620_000));
    tracker.apply(
      oc("session.status", { sessionID: "ses_1", status: { type: "busy" } }),
    );
    tracker.apply(
      oc("session.updated", {
        sessionID: "ses_1",
        info: info("ses_1", "Renamed"),
      }),
    );
    s = sessions.get("ses_1")!;
    assertEquals([s.title, s.status], ["Renamed", "busy"]);
    // Child sessions (task tool) are not recorded.
    tracker.apply(
      oc("session.created", {
        info: info("ses_c", "child", { parentID: "ses_1" }),
      }),
    );
    assertEquals(sessions.get("ses_c"), undefined);
  } finally {
    db.close();
  }
});

Deno.test("status, idle, error and deleted events", () => {
  const { db, sessions, tracker } = setup();
  try {
    tracker.apply(oc("session.created", { info: info("ses_1", "t") }));
    const status = () => sessions.get("ses_1")?.status;
    tracker.apply(
      oc("session.status", {
        sessionID: "ses_1",
        status: { type: "retry", attempt: 2 },
      }),
    );
    assertEquals(status(), "retry");
    tracker.apply(
      oc("session.error", {
        sessionID: "ses_1",
        error: { name: "MessageAbortedError" },
      }),
    );
    assertEquals(status(), "error");
    tracker.apply(
      oc("session.status", { sessionID: "ses_1", status: { type: "idle" } }),
    );
    assertEquals(status(), "idle");
    tracker.apply(
      oc("session.status", { sessionID: "ses_1", status: { type: "busy" } }),
    );
    tracker.apply(oc("session.idle", { sessionID: "ses_1" }));
    assertEquals(status(), "idle");
    tracker.apply(
      oc("session.deleted", { sessionID: "ses_1", info: info("ses_1", "t") }),
    );
    assertEquals(sessions.get("ses_1"), undefined);
  } finally {
    db.close();
  }
});

Deno.test("bad events never throw", () => {
  const { db, sessions, tracker } = setup();
  try {
    tracker.apply(oc("session.created", {}));
    tracker.apply(oc("session.created", { info: "nope" }));
    tracker.apply(
      oc("session.status", { sessionID: "ses_x", status: { type: "busy" } }),
    );
    tracker.apply(
      oc("session.status", { sessionID: "ses_x", status: "weird" }),
    );
    tracker.apply({
      type: "session.created",
      instance_id: "gone",
      properties: { info: info("ses_2", "t") },
    });
    tracker.apply({
      type: "session.idle",
      instance_id: "i1",
      properties: null as never,
    });
    assertEquals(sessions.listByInstance("i1"), []);
  } finally {
    db.close();
  }
});

Deno.test("resync marks missed idles and settles a stopped instance", () => {
  const { db, sessions, tracker, inst } = setup();
  try {
    for (const id of ["ses_a", "ses_b", "ses_c"]) {
      tracker.apply(oc("session.created", { info: info(id, id) }));
      tracker.apply(
        oc("session.status", { sessionID: id, status: { type: "busy" } }),
      );
    }
    tracker.resync("i1", {
      ses_b: { type: "retry", attempt: 1 },
      ses_c: { type: "busy" },
    });
    const statuses = () =>
      Object.fromEntries(
        sessions.listByInstance("i1").map((s) => [s.id, s.status]),
      );
    assertEquals(statuses(), { ses_a: "idle", ses_b: "retry", ses_c: "busy" });
    const stopped: InstanceJson = { ...inst, status: "stopped" };
    tracker.apply({
      type: "instance.status",
      instance_id: "i1",
      properties: { instance: stopped },
    });
    assertEquals(statuses(), { ses_a: "idle", ses_b: "idle", ses_c: "idle" });
  } finally {
    db.close();
  }
});

Deno.test("replace keeps statuses of remaining sessions and drops vanished ones", () => {
  const { db, sessions, tracker } = setup();
  try {
    tracker.apply(oc("session.created", { info: info("ses_a", "a") }));
    tracker.apply(
      oc("session.status", { sessionID: "ses_a", status: { type: "busy" } }),
    );
    tracker.apply(oc("session.created", { info: info("ses_gone", "g") }));
    tracker.replace("i1", [
      {
        id: "ses_a",
        title: "a2",
        directory: "/a",
        time: { created: 1, updated: 2 },
      },
      {
        id: "ses_tui",
        title: "from tui",
        directory: "/a",
        time: { created: 3, updated: 4 },
      },
    ]);
    const rows = sessions.listByInstance("i1")
      .map((s) => `${s.id}|${s.title}|${s.status}`).sort();
    assertEquals(rows, ["ses_a|a2|busy", "ses_tui|from tui|idle"]);
  } finally {
    db.close();
  }
});
