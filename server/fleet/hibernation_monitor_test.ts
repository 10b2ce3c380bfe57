import { MIGRATIONS } from "../../migrations/migrations.ts";
import { openDatabase } from "../db/database.ts";
import { InstanceStore } from "../db/instance_store.ts";
import { migrate } from "../db/migrate.ts";
import { assertEquals } from "../testing/assert.ts";
import { flockEvent } from "../testing/event_fixtures.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import { ActivityRegistry } from "./activity.ts";
import { HibernationMonitor } from "./hibernation_monitor.ts";

function setup(
  pending: (id: string) => Promise<string | null> = () => Promise.resolve(null),
) {
  const db = openDatabase(":memory:");
  migrate(db, MIGRATIONS);
  const instances = new InstanceStore(db, { defaultIdleTimeoutS: 60 });
  const clock = new FakeClock();
  const activity = new ActivityRegistry({ clock });
  const hibernated: Array<[string, number]> = [];
  const monitor = new HibernationMonitor({
    instances,
    activity,
    clock,
    hibernate: (id) => {
      hibernated.push([id, clock.now()]);
      instances.update(id, { status: "hibernated" });
      return Promise.resolve(true);
    },
    pendingWork: pending,
  });
  const running = (id: string, extra: { idle_timeout_s?: number } = {}) => {
    instances.create({ id, name: id, working_directory: `/w/${id}`, ...extra });
    instances.update(id, { status: "running" });
    activity.touch(id);
  };
  const start = clock.now();
  return {
    db,
    instances,
    clock,
    activity,
    monitor,
    hibernated,
    running,
    /** Seconds since the start of the test. */
    at: (ms: number) => (ms - start) / 1000,
    async [Symbol.asyncDispose]() {
      await monitor.close();
      db.close();
    },
  };
}

Deno.test("HibernationMonitor: an instance quiet for its timeout hibernates, exactly then", async () => {
  await using t = setup();
  t.running("inst_a");
  t.running("inst_b", { idle_timeout_s: 120 });
  t.running("inst_never", { idle_timeout_s: 0 });
  t.instances.createRemote({
    id: "inst_r",
    name: "r",
    working_directory: "/r",
    origin: "http://box:4096",
    username: "opencode",
    password: "",
  });
  t.instances.update("inst_r", { status: "running" });
  t.monitor.start();
  await t.clock.untilSleeping(1);
  assertEquals(t.clock.pending, [60_000]);
  await t.clock.advance(59_999);
  assertEquals(t.hibernated.length, 0);
  await t.clock.advance(1);
  assertEquals(t.hibernated.map(([id, at]) => [id, t.at(at)]), [[
    "inst_a",
    60,
  ]]);
  await t.clock.advance(60_000);
  assertEquals(t.hibernated.map(([id, at]) => [id, t.at(at)]), [
    ["inst_a", 60],
    ["inst_b", 120],
  ]);
  await t.clock.advance(3_600_000);
  assertEquals(t.hibernated.length, 2, "never 0, never a remote instance");
});

Deno.test("HibernationMonitor: a pending question or permission keeps an instance awake for as long as it is pending", async () => {
  await using t = setup();
  t.running("inst_a");
  t.activity.observe(
    flockEvent("question.asked", {
      id: "que_1",
      sessionID: "ses_1",
      questions: [{
        question: "Which?",
        header: "Pick",
        options: [{ label: "a", description: "A" }],
      }],
    }),
  );
  t.running("inst_b");
  t.activity.observe(
    flockEvent("permission.asked", {
      id: "per_1",
      sessionID: "ses_2",
      permission: "bash",
      patterns: ["ls"],
      metadata: {},
      always: [],
    }, "inst_b"),
  );
  t.monitor.start();
  await t.clock.untilSleeping(1);
  await t.clock.advance(2 * 3_600_000);
  assertEquals(t.hibernated.length, 0);
  t.activity.observe(
    flockEvent("question.rejected", { sessionID: "ses_1", requestID: "que_1" }),
  );
  await t.clock.untilSleeping(1);
  await t.clock.advance(60_000);
  assertEquals(t.hibernated.map(([id]) => id), ["inst_a"]);
});

Deno.test("HibernationMonitor: the server's own report of work, or a request meanwhile, keeps it awake", async () => {
  let report: string | null = "1 busy session(s)";
  let onAsk = () => {};
  await using t = setup(() => {
    onAsk();
    return Promise.resolve(report);
  });
  t.running("inst_a");
  t.monitor.start();
  await t.clock.untilSleeping(1);
  await t.clock.advance(60_000);
  assertEquals(t.hibernated.length, 0, "its OpenCode said it is busy");
  // That counts as activity: the next look is a whole timeout later.
  await t.clock.untilSleeping(1);
  assertEquals(t.clock.pending, [60_000]);
  report = null;
  onAsk = () => t.activity.touch("inst_a"); // a request arrives meanwhile
  await t.clock.advance(60_000);
  assertEquals(t.hibernated.length, 0);
  onAsk = () => {};
  await t.clock.untilSleeping(1);
  await t.clock.advance(60_000);
  assertEquals(t.hibernated.map(([id, at]) => [id, t.at(at)]), [[
    "inst_a",
    180,
  ]]);
});

Deno.test("HibernationMonitor: a changed timeout is seen at once", async () => {
  await using t = setup();
  t.running("inst_a");
  t.monitor.start();
  await t.clock.untilSleeping(1);
  await t.clock.advance(10_000);
  const row = t.instances.update("inst_a", { idle_timeout_s: 5 })!;
  t.monitor.observe(
    flockEvent("instance.status", { instance: row }, "inst_a"),
  );
  await t.clock.untilSleeping(1);
  assertEquals(t.hibernated.map(([id, at]) => [id, t.at(at)]), [[
    "inst_a",
    10,
  ]]);
});
