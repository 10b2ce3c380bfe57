/**
 * The supervisor's hibernation, wake, shutdown and reconciliation rules,
 * with a fake spawn (children serve the fake OpenCode API over real
 * in-process HTTP), a fake process tree and a fake clock.
 */
import { MIGRATIONS } from "../../migrations/migrations.ts";
import type { WireEvent } from "../contract/events.ts";
import { isEventOf, isFlockEvent } from "../contract/event_types.ts";
import type { InstanceStatus } from "../contract/instances.ts";
import { openDatabase } from "../db/database.ts";
import { InstanceStore } from "../db/instance_store.ts";
import { migrate } from "../db/migrate.ts";
import { ActivityRegistry } from "../fleet/activity.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
} from "../testing/assert.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import { fakeOpenCodeHandler } from "../testing/fake_opencode.ts";
import { FakeProcessTree, FakeSpawn } from "../testing/fake_spawn.ts";
import {
  InstanceNotRunningError,
  InstanceWakeError,
} from "./instance_errors.ts";
import { Supervisor } from "./supervisor.ts";

function setup() {
  const db = openDatabase(":memory:");
  migrate(db, MIGRATIONS);
  const instances = new InstanceStore(db);
  const clock = new FakeClock();
  const spawn = new FakeSpawn();
  const events: WireEvent[] = [];
  const activity = new ActivityRegistry({ clock });
  const supervisor = new Supervisor({
    instances,
    publish: (event) => {
      activity.observe(event);
      events.push(event);
    },
    binary: () => ({ path: "/fake/opencode", source: "flag" }),
    spawn: spawn.spawn,
    processes: new FakeProcessTree(),
    clock,
    activity,
    random: () => 0.5,
  });
  /** The statuses `id` went through (a repeat, e.g. the pid arriving, once). */
  const statuses = (id: string): InstanceStatus[] =>
    events.flatMap((e) =>
      isFlockEvent(e) && isEventOf(e, "instance.status") &&
        e.instance_id === id
        ? [e.properties.instance.status]
        : []
    ).filter((status, i, all) => status !== all[i - 1]);
  return {
    db,
    instances,
    clock,
    spawn,
    activity,
    supervisor,
    statuses,
    async [Symbol.asyncDispose]() {
      await spawn.exitAll();
      await supervisor[Symbol.asyncDispose]();
      db.close();
    },
  };
}

type Setup = ReturnType<typeof setup>;

/** Creates a row and brings it to `running` through child number `nth`. */
async function runningInstance(t: Setup, nth: number, id = "inst_a") {
  t.instances.create({ id, name: id, working_directory: `/w/${id}` });
  t.supervisor.start(id);
  (await t.spawn.nth(nth)).listen();
  await t.supervisor.waitForStatus(id, ["running"]);
}

function hibernatedRow(t: Setup, id = "inst_a") {
  t.instances.create({ id, name: id, working_directory: `/w/${id}` });
  t.instances.update(id, {
    status: "hibernated",
    hibernated_at: "2026-01-01T00:00:00.000Z",
  });
}

Deno.test("hibernate stops the child without aborting anything and ends hibernated", async () => {
  await using t = setup();
  await runningInstance(t, 1);
  const child = t.spawn.children[0]!;
  assertEquals(await t.supervisor.hibernate("inst_a"), true);
  assertEquals(child.signals, ["SIGTERM"]);
  const row = t.instances.get("inst_a")!;
  assertEquals(row.status, "hibernated");
  assertEquals(row.pid, null);
  assertEquals(row.hibernated_at, new Date(t.clock.now()).toISOString());
  assertEquals(t.statuses("inst_a").slice(-2), ["hibernating", "hibernated"]);
  // Only a running local instance hibernates.
  assertEquals(await t.supervisor.hibernate("inst_a"), false);
  assertEquals(t.supervisor.runningClient("inst_a"), null);
});

Deno.test("fifty concurrent requests to a hibernated instance: one spawn, fifty clients", async () => {
  await using t = setup();
  hibernatedRow(t);
  const requests = Array.from(
    { length: 50 },
    () => t.supervisor.ensureClient("inst_a"),
  );
  const child = await t.spawn.nth(1);
  assertEquals(t.instances.get("inst_a")!.status, "starting");
  // Waking: still marked as hibernated until it runs.
  assert(t.instances.get("inst_a")!.hibernated_at !== null);
  child.listen();
  const clients = await Promise.all(requests);
  assertEquals(t.spawn.children.length, 1);
  assertEquals(new Set(clients).size, 1, "one client for the run");
  assertEquals((await clients[0]!.health()).healthy, true);
  const row = t.instances.get("inst_a")!;
  assertEquals(row.status, "running");
  assertEquals(row.hibernated_at, null);
  assertEquals(t.statuses("inst_a"), ["starting", "running"]);
});

Deno.test("a wake that fails rejects every waiter with the reason and leaves the instance in error, without a retry", async () => {
  await using t = setup();
  hibernatedRow(t);
  const requests = Array.from(
    { length: 5 },
    () => t.supervisor.ensureClient("inst_a"),
  );
  const child = await t.spawn.nth(1);
  child.print("boom: cannot open the database", "stderr");
  await child.exit(1);
  for (const request of requests) {
    const error = await assertRejects(() => request, InstanceWakeError);
    assertMatch(error.message, /^Cannot wake instance inst_a: /);
    assertMatch(error.message, /exited before it was ready/);
    assertMatch(error.message, /boom: cannot open the database/);
  }
  const row = t.instances.get("inst_a")!;
  assertEquals(row.status, "error");
  assertMatch(row.last_error ?? "", /^Cannot wake instance: /);
  assertEquals(t.spawn.children.length, 1);
  assertEquals(t.clock.pending.length, 0, "no restart is waiting");
  // An instance in error is not woken by the next request: it says why.
  await assertRejects(
    () => t.supervisor.ensureClient("inst_a"),
    InstanceNotRunningError,
  );
});

Deno.test("a request during a hibernation waits for it, then wakes the instance", async () => {
  await using t = setup();
  await runningInstance(t, 1);
  const first = t.spawn.children[0]!;
  first.ignoreSigterm = true;
  const sleeping = t.supervisor.hibernate("inst_a");
  assertEquals(t.instances.get("inst_a")!.status, "hibernating");
  const request = t.supervisor.ensureClient("inst_a");
  await t.clock.untilSleeping(1);
  await t.clock.advance(5000); // the stop grace: SIGKILL
  await sleeping;
  (await t.spawn.nth(2)).listen();
  const client = await request;
  assertEquals((await client.health()).healthy, true);
  assertEquals(first.signals, ["SIGTERM", "SIGKILL"]);
  assertEquals(t.statuses("inst_a").slice(-4), [
    "hibernating",
    "hibernated",
    "starting",
    "running",
  ]);
});

Deno.test("a stopped instance is not woken; a starting one is waited for", async () => {
  await using t = setup();
  t.instances.create({ id: "inst_a", name: "a", working_directory: "/w/a" });
  t.instances.update("inst_a", { status: "stopped" });
  const error = await assertRejects(
    () => t.supervisor.ensureClient("inst_a"),
    InstanceNotRunningError,
  );
  assertEquals(error.status, "stopped");
  assertEquals(t.spawn.children.length, 0);

  t.instances.create({ id: "inst_b", name: "b", working_directory: "/w/b" });
  t.supervisor.start("inst_b");
  const request = t.supervisor.ensureClient("inst_b");
  (await t.spawn.nth(1)).listen();
  assertEquals((await (await request).health()).healthy, true);
});

Deno.test("each call through the API's client holds the instance awake while it runs", async () => {
  await using t = setup();
  await runningInstance(t, 1);
  const client = await t.supervisor.ensureClient("inst_a");
  await t.clock.advance(60_000);
  const before = t.activity.snapshot("inst_a").lastActiveAt;
  const call = client.sessionStatus();
  assertEquals(t.activity.snapshot("inst_a").leases, 1);
  await call;
  assertEquals(t.activity.snapshot("inst_a").leases, 0);
  assert(t.activity.snapshot("inst_a").lastActiveAt > before);
});

Deno.test("at shutdown a running instance ends hibernated, a stopped one stays stopped", async () => {
  const t = setup();
  await runningInstance(t, 1, "inst_a");
  await runningInstance(t, 2, "inst_b");
  await t.supervisor.stop("inst_b");
  hibernatedRow(t, "inst_c");
  await t.supervisor[Symbol.asyncDispose]();
  assertEquals(t.instances.get("inst_a")!.status, "hibernated");
  assert(t.instances.get("inst_a")!.hibernated_at !== null);
  assertEquals(t.instances.get("inst_b")!.status, "stopped");
  assertEquals(t.instances.get("inst_c")!.status, "hibernated");
  assertEquals(t.spawn.children.every((c) => c.exited), true);
  t.db.close();
});

Deno.test("reconcile: what a dead Flock left running or hibernating wakes on use; a stop in progress ends stopped", async () => {
  await using t = setup();
  for (
    const [id, status] of [
      ["inst_r", "running"],
      ["inst_s", "starting"],
      ["inst_h", "hibernating"],
      ["inst_x", "stopping"],
    ] as const
  ) {
    t.instances.create({ id, name: id, working_directory: `/w/${id}` });
    t.instances.update(id, { status, pid: 4_200_000 });
  }
  await t.supervisor.reconcile();
  assertEquals(
    ["inst_r", "inst_s", "inst_h", "inst_x"].map((id) =>
      t.instances.get(id)!.status
    ),
    ["hibernated", "hibernated", "hibernated", "stopped"],
  );
  assertEquals(t.instances.get("inst_r")!.pid, null);
  assertEquals(t.spawn.children.length, 0, "nothing starts until asked");
});

Deno.test("a stop of a hibernated instance makes it stopped without a process", async () => {
  await using t = setup();
  hibernatedRow(t);
  await t.supervisor.stop("inst_a");
  const row = t.instances.get("inst_a")!;
  assertEquals(row.status, "stopped");
  assertEquals(row.hibernated_at, null);
  assertEquals(t.spawn.children.length, 0);
});

/** Advances the fake clock in steps until `done()` (bounded). */
async function advanceUntil(
  clock: FakeClock,
  done: () => boolean,
  stepMs = 500,
  maxSteps = 400,
): Promise<void> {
  for (let i = 0; i < maxSteps && !done(); i++) {
    await clock.advance(stepMs);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  assert(done(), "the condition never held");
}

Deno.test("a remote server that goes away is reported, tried again without limit, and used again when it comes back", async () => {
  await using t = setup();
  const password = "pw-remote";
  const port = (() => {
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const p = (probe.addr as Deno.NetAddr).port;
    probe.close();
    return p;
  })();
  const serveRemote = () => {
    const ctl = new AbortController();
    const server = Deno.serve(
      { hostname: "127.0.0.1", port, onListen() {}, signal: ctl.signal },
      fakeOpenCodeHandler({
        password,
        healthy: () => true,
        signal: ctl.signal,
      }),
    );
    return async () => {
      ctl.abort();
      await server.finished;
    };
  };
  let stopRemote = serveRemote();
  t.instances.createRemote({
    id: "inst_r",
    name: "r",
    working_directory: "/fake/project",
    origin: `http://127.0.0.1:${port}`,
    username: "opencode",
    password,
  });
  t.supervisor.start("inst_r");
  await t.supervisor.waitForStatus("inst_r", ["running"]);
  assertEquals(t.supervisor.localPids().size, 0);
  await stopRemote();
  const status = () => t.instances.get("inst_r")!.status;
  await advanceUntil(t.clock, () => status() === "error");
  assertMatch(
    t.instances.get("inst_r")!.last_error ?? "",
    /^Lost the OpenCode server at http:\/\/127\.0\.0\.1:\d+: it stopped answering health checks/,
  );
  // Still down: each try fails with the reason, and it keeps trying.
  await advanceUntil(
    t.clock,
    () => (t.instances.get("inst_r")!.restart_count ?? 0) >= 6,
    1000,
    2000,
  );
  assertMatch(
    t.instances.get("inst_r")!.last_error ?? "",
    /Cannot reach the OpenCode server at .*\nTrying again in \d+ ms \(attempt \d+\)\.$/,
  );
  stopRemote = serveRemote();
  await advanceUntil(t.clock, () => status() === "running", 1000, 200);
  assertEquals(
    (await (await t.supervisor.ensureClient("inst_r")).health()).healthy,
    true,
  );
  await t.supervisor.forget("inst_r");
  assertEquals(status(), "stopped");
  await stopRemote();
});
