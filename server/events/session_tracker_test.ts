import { MIGRATIONS } from "../../migrations/migrations.ts";
import type { InstanceJson } from "../contract/instances.ts";
import type { OpenCodeSession } from "../contract/opencode.ts";
import { isoTime } from "../contract/session_row.ts";
import { openDatabase } from "../db/database.ts";
import { InstanceStore } from "../db/instance_store.ts";
import { migrate } from "../db/migrate.ts";
import { SessionStore } from "../db/session_store.ts";
import { assertEquals } from "../testing/assert.ts";
import { flockEvent, openCodeSession } from "../testing/event_fixtures.ts";
import { SessionTracker } from "./session_tracker.ts";

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

const info = (
  id: string,
  title: string,
  extra: Partial<OpenCodeSession> = {},
) =>
  openCodeSession({
    id,
    title,
    time: { created: 1_795_465_620_000, updated: 1_795_465_621_000 },
    ...extra,
  });

const created = (session: OpenCodeSession, instanceId = "i1") =>
  flockEvent(
    "session.created",
    { sessionID: session.id, info: session },
    instanceId,
  );
const updated = (session: OpenCodeSession) =>
  flockEvent("session.updated", { sessionID: session.id, info: session }, "i1");
const busy = (id: string) =>
  flockEvent(
    "session.status",
    { sessionID: id, status: { type: "busy" } },
    "i1",
  );

Deno.test("session.created/updated upsert root sessions and keep the status", () => {
  const { db, sessions, tracker } = setup();
  try {
    tracker.apply(created(info("ses_1", "New")));
    let s = sessions.get("ses_1")!;
    assertEquals([s.title, s.status, s.instance_id], ["New", "idle", "i1"]);
    assertEquals(s.created_at, isoTime(1_795_465_620_000));
    assertEquals(s.updated_at, isoTime(1_795_465_621_000));
    tracker.apply(busy("ses_1"));
    tracker.apply(updated(info("ses_1", "Renamed")));
    s = sessions.get("ses_1")!;
    assertEquals([s.title, s.status], ["Renamed", "busy"]);
    // An update for a session not seen before records it too.
    tracker.apply(updated(info("ses_2", "Seen late")));
    assertEquals(sessions.get("ses_2")?.title, "Seen late");
    // Child sessions (task tool) are recorded apart, with their parent,
    // and are not in the instance's list.
    tracker.apply(created(info("ses_c", "child", { parentID: "ses_1" })));
    assertEquals(sessions.get("ses_c")?.parent_id, "ses_1");
    assertEquals(sessions.listByInstance("i1").map((x) => x.id), [
      "ses_2",
      "ses_1",
    ]);
    assertEquals(sessions.listChildren("ses_1").map((x) => x.id), ["ses_c"]);
    assertEquals(tracker.rootIfChild("ses_c"), "ses_1");
    tracker.apply(created(info("ses_cc", "grandchild", { parentID: "ses_c" })));
    assertEquals(tracker.rootOf("ses_cc"), "ses_1");
    // A session id already recorded for another instance is left alone.
    tracker.apply(created(info("ses_1", "Hijack"), "i2"));
    assertEquals(sessions.get("ses_1")?.instance_id, "i1");
    assertEquals(sessions.get("ses_1")?.title, "Renamed");
  } finally {
    db.close();
  }
});

Deno.test("status, idle, error and deleted events", () => {
  const { db, sessions, tracker } = setup();
  try {
    tracker.apply(created(info("ses_1", "t")));
    const status = () => sessions.get("ses_1")?.status;
    tracker.apply(flockEvent("session.status", {
      sessionID: "ses_1",
      status: { type: "retry", attempt: 2, message: "down", next: 1 },
    }, "i1"));
    assertEquals(status(), "retry");
    tracker.apply(flockEvent("session.error", {
      sessionID: "ses_1",
      error: { name: "MessageAbortedError", data: { message: "Aborted" } },
    }, "i1"));
    assertEquals(status(), "error");
    tracker.apply(flockEvent("session.status", {
      sessionID: "ses_1",
      status: { type: "idle" },
    }, "i1"));
    assertEquals(status(), "idle");
    tracker.apply(busy("ses_1"));
    tracker.apply(flockEvent("session.idle", { sessionID: "ses_1" }, "i1"));
    assertEquals(status(), "idle");
    tracker.apply(flockEvent("session.deleted", {
      sessionID: "ses_1",
      info: info("ses_1", "t"),
    }, "i1"));
    assertEquals(sessions.get("ses_1"), undefined);
  } finally {
    db.close();
  }
});

Deno.test("events that change nothing, or cannot be applied, never throw", () => {
  const { db, sessions, tracker } = setup();
  try {
    tracker.apply(busy("ses_unknown"));
    tracker.apply({
      type: "future.thing",
      instance_id: "i1",
      properties: { sessionID: "ses_1" },
    });
    // The instance row is missing: the foreign key refuses, it is logged.
    tracker.apply(created(info("ses_2", "t"), "gone"));
    assertEquals(sessions.listByInstance("i1"), []);
    assertEquals(sessions.get("ses_2"), undefined);
  } finally {
    db.close();
  }
});

Deno.test("a stopped instance's busy sessions become idle", () => {
  const { db, sessions, tracker, inst } = setup();
  try {
    tracker.apply(created(info("ses_a", "a")));
    tracker.apply(busy("ses_a"));
    const running: InstanceJson = { ...inst, status: "running" };
    tracker.apply(flockEvent("instance.status", { instance: running }, "i1"));
    assertEquals(sessions.get("ses_a")?.status, "busy");
    const stopped: InstanceJson = { ...inst, status: "stopped" };
    tracker.apply(flockEvent("instance.status", { instance: stopped }, "i1"));
    assertEquals(sessions.get("ses_a")?.status, "idle");
  } finally {
    db.close();
  }
});

Deno.test("resync: the snapshot becomes instance.sessions, which replaces the rows", () => {
  const { db, sessions, tracker } = setup();
  try {
    for (const id of ["ses_a", "ses_b", "ses_err", "ses_gone"]) {
      tracker.apply(created(info(id, id)));
    }
    tracker.apply(busy("ses_a"));
    tracker.apply(busy("ses_b"));
    tracker.apply(flockEvent("session.error", { sessionID: "ses_err" }, "i1"));
    const event = tracker.resync("i1", {
      sessions: [
        info("ses_tui", "made in the TUI", {
          time: { created: 1_795_465_630_000, updated: 1_795_465_630_000 },
        }),
        info("ses_a", "a renamed"),
        info("ses_b", "ses_b"),
        info("ses_err", "ses_err"),
        info("ses_child", "child", { parentID: "ses_a" }),
      ],
      statuses: {
        ses_b: { type: "retry", attempt: 1, message: "down", next: 1 },
      },
      permissions: [],
      questions: [],
    });
    assertEquals(event.type, "instance.sessions");
    assertEquals(event.instance_id, "i1");
    const summary = (rows: { id: string; title: string; status: string }[]) =>
      rows.map((s) => `${s.id}|${s.title}|${s.status}`).sort();
    const expected = [
      "ses_a|a renamed|idle", // busy, but absent from the map: the idle was missed
      "ses_b|ses_b|retry",
      "ses_err|ses_err|error", // OpenCode has no error state: kept
      "ses_tui|made in the TUI|idle", // created while nobody listened
    ];
    assertEquals(summary(event.properties.sessions), expected);
    // The subagent's child session comes apart, with its parent.
    assertEquals(
      event.properties.children?.map((s) => [s.id, s.parent_id]),
      [["ses_child", "ses_a"]],
    );
    // Computing the event writes nothing; publishing (applying) it does.
    assertEquals(sessions.get("ses_tui"), undefined);
    tracker.apply(event);
    assertEquals(summary(sessions.listByInstance("i1")), expected);
    assertEquals(sessions.get("ses_gone"), undefined);
    assertEquals(sessions.listByInstance("i1")[0]?.id, "ses_tui"); // newest first
    assertEquals(sessions.get("ses_child")?.parent_id, "ses_a");
    assertEquals(sessions.rootOf("ses_child"), "ses_a");
    assertEquals(tracker.rootIfChild("ses_child"), "ses_a");
    assertEquals(tracker.rootIfChild("ses_a"), undefined);
  } finally {
    db.close();
  }
});

Deno.test("resync: a session created after the list was asked for is kept, an older unlisted one goes", () => {
  const { db, sessions, tracker } = setup();
  try {
    const at = (ms: number) => ({ time: { created: ms, updated: ms } });
    tracker.apply(created(info("ses_old", "deleted unheard", at(1_000))));
    tracker.apply(created(info("ses_listed", "listed", at(2_000))));
    // created through Flock while OpenCode was answering the list
    tracker.apply(created(info("ses_new", "created meanwhile", at(5_000))));
    const event = tracker.resync("i1", {
      sessions: [info("ses_listed", "listed", at(2_000))],
      statuses: {},
      askedAt: 3_000,
    });
    const ids = (rows: { id: string }[]) => rows.map((s) => s.id).sort();
    assertEquals(ids(event.properties.sessions), ["ses_listed", "ses_new"]);
    tracker.apply(event);
    assertEquals(ids(sessions.listByInstance("i1")), ["ses_listed", "ses_new"]);
    assertEquals(sessions.get("ses_old"), undefined);
  } finally {
    db.close();
  }
});
