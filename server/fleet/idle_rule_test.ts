import { assertEquals } from "../testing/assert.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import { flockEvent } from "../testing/event_fixtures.ts";
import { instanceJson } from "../testing/instance_fixtures.ts";
import { ActivityRegistry } from "./activity.ts";
import { idleVerdict } from "./idle_rule.ts";

const ID = "inst_a";

function setup() {
  const clock = new FakeClock();
  const activity = new ActivityRegistry({ clock });
  const verdict = (timeoutS = 60) =>
    idleVerdict(activity.snapshot(ID), timeoutS, clock.now());
  return { clock, activity, verdict };
}

Deno.test("idle rule: quiet for the whole timeout, then idle; 0 never", async () => {
  const { clock, activity, verdict } = setup();
  activity.touch(ID);
  assertEquals(verdict(), { kind: "wait", ms: 60_000 });
  await clock.advance(59_999);
  assertEquals(verdict(), { kind: "wait", ms: 1 });
  await clock.advance(1);
  assertEquals(verdict(), { kind: "idle", quietMs: 60_000 });
  assertEquals(verdict(0), { kind: "never" });
});

Deno.test("idle rule: a request restarts the countdown", async () => {
  const { clock, activity, verdict } = setup();
  activity.touch(ID);
  await clock.advance(50_000);
  activity.touch(ID);
  await clock.advance(50_000);
  assertEquals(verdict(), { kind: "wait", ms: 10_000 });
});

Deno.test("idle rule: a busy session keeps it awake; the countdown starts when it goes idle", async () => {
  const { clock, activity, verdict } = setup();
  activity.observe(
    flockEvent("session.status", {
      sessionID: "ses_1",
      status: { type: "busy" },
    }),
  );
  await clock.advance(3_600_000);
  assertEquals(verdict().kind, "active");
  assertEquals(activity.isBusy(ID), true);
  activity.observe(flockEvent("session.idle", { sessionID: "ses_1" }));
  assertEquals(activity.isBusy(ID), false);
  assertEquals(verdict(), { kind: "wait", ms: 60_000 });
  await clock.advance(60_000);
  assertEquals(verdict().kind, "idle");
});

Deno.test("idle rule: a retrying session counts as busy", () => {
  const { activity, verdict } = setup();
  activity.observe(
    flockEvent("session.status", {
      sessionID: "ses_1",
      status: { type: "retry", attempt: 2, message: "overloaded", next: 1 },
    }),
  );
  assertEquals(verdict().kind, "active");
});

Deno.test("idle rule: a pending permission request never lets it hibernate until answered", async () => {
  const { clock, activity, verdict } = setup();
  activity.observe(
    flockEvent("permission.asked", {
      id: "per_1",
      sessionID: "ses_1",
      permission: "bash",
      patterns: ["rm -rf build"],
      metadata: {},
      always: [],
    }),
  );
  // Even after its session went idle (OpenCode waits on the answer).
  activity.observe(flockEvent("session.idle", { sessionID: "ses_1" }));
  await clock.advance(24 * 3_600_000);
  assertEquals(verdict(), {
    kind: "active",
    why: "1 pending permission request(s)",
  });
  await clock.advance(1000);
  activity.observe(
    flockEvent("permission.replied", {
      sessionID: "ses_1",
      requestID: "per_1",
      reply: "once",
    }),
  );
  assertEquals(verdict(), { kind: "wait", ms: 60_000 });
});

Deno.test("idle rule: a pending question never lets it hibernate until answered or rejected", async () => {
  const { clock, activity, verdict } = setup();
  for (const id of ["que_1", "que_2"]) {
    activity.observe(
      flockEvent("question.asked", {
        id,
        sessionID: "ses_1",
        questions: [{
          question: "Which one?",
          header: "Pick",
          options: [{ label: "a", description: "A" }],
        }],
      }),
    );
  }
  await clock.advance(24 * 3_600_000);
  assertEquals(verdict(), { kind: "active", why: "2 pending question(s)" });
  activity.observe(
    flockEvent("question.replied", {
      sessionID: "ses_1",
      requestID: "que_1",
      answers: [["a"]],
    }),
  );
  assertEquals(verdict().kind, "active");
  activity.observe(
    flockEvent("question.rejected", { sessionID: "ses_1", requestID: "que_2" }),
  );
  assertEquals(verdict(), { kind: "wait", ms: 60_000 });
});

Deno.test("idle rule: a lease (a workflow attempt) keeps it awake until let go", async () => {
  const { clock, activity, verdict } = setup();
  const lease = activity.hold(ID);
  await clock.advance(3_600_000);
  assertEquals(verdict().kind, "active");
  lease[Symbol.dispose]();
  lease[Symbol.dispose](); // idempotent
  assertEquals(activity.snapshot(ID).leases, 0);
  assertEquals(verdict(), { kind: "wait", ms: 60_000 });
});

Deno.test("idle rule: a fresh child starts with nothing pending; a resync replaces the busy set", async () => {
  const { clock, activity, verdict } = setup();
  activity.observe(
    flockEvent("session.status", {
      sessionID: "ses_1",
      status: { type: "busy" },
    }),
  );
  activity.observe(
    flockEvent("instance.sessions", {
      sessions: [{
        id: "ses_2",
        instance_id: ID,
        title: "t",
        status: "busy",
        created_at: "2026-01-01T00:00:00Z",
        updated_at: "2026-01-01T00:00:00Z",
      }],
    }),
  );
  activity.observe(flockEvent("session.idle", { sessionID: "ses_1" }));
  assertEquals(verdict().kind, "active"); // ses_2 is busy
  activity.observe(flockEvent("instance.sessions", { sessions: [] }));
  assertEquals(verdict().kind, "wait");
  activity.observe(
    flockEvent("session.status", {
      sessionID: "ses_3",
      status: { type: "busy" },
    }),
  );
  await clock.advance(1000);
  activity.observe(
    flockEvent("instance.status", {
      instance: instanceJson({
        id: ID,
        status: "hibernated",
        idle_timeout_s: 60,
      }),
    }),
  );
  assertEquals(activity.isBusy(ID), false);
});
