import { MIGRATIONS } from "../../migrations/migrations.ts";
import type { InstanceJson } from "../contract/instances.ts";
import { openDatabase } from "../db/database.ts";
import { InstanceStore } from "../db/instance_store.ts";
import { migrate } from "../db/migrate.ts";
import type { ProcessInfo } from "../processes/procfs.ts";
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import { flockEvent } from "../testing/event_fixtures.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import { fakeProcess, FakeProcessTree } from "../testing/fake_spawn.ts";
import { ActivityRegistry } from "./activity.ts";
import { attributeMemory, memoryChanged } from "./memory.ts";
import { MemoryMonitor } from "./memory_monitor.ts";

const MIB = 1024 * 1024;

function proc(pid: number, ppid: number, mib: number | null): ProcessInfo {
  return {
    ...fakeProcess(pid, ppid, ["x"]),
    rssBytes: mib === null ? null : mib * MIB,
  };
}

Deno.test("attributeMemory: each child with all its descendants, nothing else", () => {
  const processes = [
    proc(100, 1, 500), // inst_a's OpenCode
    proc(101, 100, 120), // its language server
    proc(102, 101, 30), // a grandchild (tool)
    proc(200, 1, 400), // inst_b's OpenCode
    proc(201, 200, null), // unreadable
    proc(300, 1, 999), // someone else's
  ];
  const totals = attributeMemory(
    processes,
    new Map([[100, "inst_a"], [200, "inst_b"], [400, "inst_gone"]]),
  );
  assertEquals(
    Object.fromEntries(totals),
    { inst_a: 650 * MIB, inst_b: 400 * MIB },
  );
});

Deno.test("memoryChanged: 8 MiB or 5 %", () => {
  assertEquals(memoryChanged(null, 1), true);
  assertEquals(memoryChanged(1, null), true);
  assertEquals(memoryChanged(null, null), false);
  assertEquals(memoryChanged(500 * MIB, 507 * MIB), false);
  assertEquals(memoryChanged(500 * MIB, 508 * MIB), true);
  assertEquals(memoryChanged(100 * MIB, 105 * MIB), true);
});

function setup(options: { ceiling?: number; watched?: boolean } = {}) {
  const db = openDatabase(":memory:");
  migrate(db, MIGRATIONS);
  const instances = new InstanceStore(db);
  const clock = new FakeClock();
  const activity = new ActivityRegistry({ clock });
  const tree = new FakeProcessTree();
  const pids = new Map<string, number>();
  const published: InstanceJson[] = [];
  const recycled: Array<[string, string]> = [];
  let watched = options.watched ?? true;
  const monitor = new MemoryMonitor({
    instances,
    pids: () => new Map(pids),
    processes: tree,
    publish: (instance) => published.push(instance),
    activity,
    clock,
    watched: () => watched,
    ceilingBytes: options.ceiling ?? null,
    recycle: (id, why) => {
      recycled.push([id, why]);
      return Promise.resolve();
    },
  });
  for (const id of ["inst_a", "inst_b"]) {
    instances.create({ id, name: id, working_directory: `/w/${id}` });
    instances.update(id, { status: "running" });
  }
  pids.set("inst_a", 100).set("inst_b", 200);
  tree.processes = [proc(100, 1, 500), proc(101, 100, 100), proc(200, 1, 400)];
  return {
    instances,
    clock,
    activity,
    tree,
    pids,
    published,
    recycled,
    monitor,
    setWatched: (w: boolean) => watched = w,
    async [Symbol.asyncDispose]() {
      await monitor.close();
      db.close();
    },
  };
}

Deno.test("MemoryMonitor: one scan for all instances every 5 s while watched; clients hear of real changes only", async () => {
  await using t = setup();
  t.monitor.start();
  await t.clock.next();
  assertEquals(t.tree.calls.length, 1, "one helper request for every instance");
  assertEquals(t.tree.calls[0]!.args[0], {
    roots: [100, 200],
    includeRoots: true,
    rss: true,
  });
  assertEquals(t.instances.get("inst_a")!.memory_rss_bytes, 600 * MIB);
  assertEquals(t.instances.list().map((i) => i.memory_rss_bytes), [
    400 * MIB,
    600 * MIB,
  ]);
  assertEquals(t.published.map((i) => i.id).sort(), ["inst_a", "inst_b"]);
  // A small change is stored, not published; a large one is both.
  t.tree.processes[0] = proc(100, 1, 504);
  t.tree.processes[2] = proc(200, 1, 450);
  assertEquals(await t.clock.next(), 5000);
  assertEquals(t.instances.get("inst_a")!.memory_rss_bytes, 604 * MIB);
  assertEquals(t.published.map((i) => i.id).sort(), [
    "inst_a",
    "inst_b",
    "inst_b",
  ]);
  // Nobody watching, nobody asking, no ceiling: no scan.
  t.setWatched(false);
  await t.clock.next();
  await t.clock.next();
  assertEquals(t.tree.calls.length, 2);
  // An API read keeps it going for a while.
  t.monitor.wanted();
  await t.clock.next();
  assertEquals(t.tree.calls.length, 3);
  // A stopped child's figure goes away.
  t.pids.delete("inst_b");
  t.instances.update("inst_b", { status: "stopped" });
  await t.clock.next();
  assertEquals(t.instances.get("inst_b")!.memory_rss_bytes, null);
});

Deno.test("MemoryMonitor: over the ceiling, only an idle instance is recycled, once per cooldown", async () => {
  await using t = setup({ ceiling: 550 * MIB, watched: false });
  t.activity.observe(
    flockEvent("session.status", {
      sessionID: "ses_1",
      status: { type: "busy" },
    }, "inst_a"),
  );
  t.monitor.start();
  for (let i = 0; i < 30; i++) await t.clock.next();
  assertEquals(t.recycled.length, 0, "a busy instance is never recycled");
  t.activity.observe(
    flockEvent("session.idle", { sessionID: "ses_1" }, "inst_a"),
  );
  // Quiet for a minute first.
  for (let i = 0; i < 11; i++) await t.clock.next();
  assertEquals(t.recycled.length, 0);
  await t.clock.next();
  assertEquals(t.recycled.map(([id]) => id), ["inst_a"]);
  assertMatch(
    t.recycled[0]![1],
    /^Recycled: its processes used 600 MiB, over --max-instance-memory 550 MiB, while it was idle$/,
  );
  const recycle = t.instances.get("inst_a")!.last_recycle;
  assert(recycle !== null);
  assertEquals(recycle.rss_bytes, 600 * MIB);
  assertEquals(recycle.limit_bytes, 550 * MIB);
  // Still over (the fake never shrinks): not again within the cooldown.
  for (let i = 0; i < 59; i++) await t.clock.next();
  assertEquals(t.recycled.length, 1);
  await t.clock.next();
  assertEquals(t.recycled.length, 2);
});
