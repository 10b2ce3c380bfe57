/**
 * Supervisor tests with real processes standing in for OpenCode (shell
 * scripts and `server/testing/fake_opencode.ts`): real exits, real process
 * trees, real signals, the real process helper. The restart logic itself is
 * tested deterministically in `supervisor_test.ts`; the tests against real
 * OpenCode are in `supervisor_opencode_e2e_test.ts`.
 */
import assert from "node:assert/strict";
import { MIGRATIONS } from "../../migrations/migrations.ts";
import type { InstanceStatusEvent, WireEvent } from "../contract/events.ts";
import type { InstanceJson } from "../contract/instances.ts";
import { openDatabase } from "../db/database.ts";
import { InstanceStore } from "../db/instance_store.ts";
import { migrate } from "../db/migrate.ts";
import { ProcReader } from "../processes/procfs.ts";
import { writeFakeOpenCode } from "../testing/fake_opencode.ts";
import { isAlive, procsWithEnv, waitFor } from "../testing/procfs.ts";
import { OpenCodeBinaryError, pinnedOpenCodePath } from "./opencode_binary.ts";
import {
  InstanceNotFoundError,
  InstanceNotRunningError,
} from "./instance_errors.ts";
import { INSTANCE_MARKER_ENV } from "./reaper.ts";
import { Supervisor, type SupervisorOptions } from "./supervisor.ts";

interface Fixture extends AsyncDisposable {
  dir: string;
  store: InstanceStore;
  events: WireEvent[];
  supervisor: Supervisor;
  create(name: string): Promise<InstanceJson>;
  statuses(id: string): string[];
}

function isStatusEvent(e: WireEvent): e is InstanceStatusEvent {
  return e.type === "instance.status";
}

async function fixture(
  binaryPath: string | (() => string),
  options: Partial<SupervisorOptions> = {},
): Promise<Fixture> {
  const dir = await Deno.makeTempDir({ prefix: "flock-sup-" });
  const db = openDatabase(`${dir}/flock.db`);
  migrate(db, MIGRATIONS);
  const store = new InstanceStore(db);
  const events: WireEvent[] = [];
  const supervisor = new Supervisor({
    instances: store,
    publish: (e) => events.push(e),
    binary: () => ({
      path: typeof binaryPath === "string" ? binaryPath : binaryPath(),
      source: "flag",
    }),
    helperBinary: pinnedOpenCodePath(),
    readyTimeoutMs: 3000,
    stopGraceMs: 1000,
    restartPolicy: { baseMs: 50, capMs: 200, maxAttempts: 2 },
    health: { intervalMs: 100, timeoutMs: 500, failures: 2 },
    ...options,
  });
  let n = 0;
  return {
    dir,
    store,
    events,
    supervisor,
    async create(name) {
      const ws = `${dir}/ws-${name}`;
      await Deno.mkdir(ws, { recursive: true });
      return store.create({
        id: `inst_${name}_${++n}`,
        name,
        working_directory: ws,
      });
    },
    statuses(id) {
      return events.filter(isStatusEvent)
        .filter((e) => e.instance_id === id)
        .map((e) => e.properties.instance.status);
    },
    async [Symbol.asyncDispose]() {
      await supervisor[Symbol.asyncDispose]();
      db.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function script(dir: string, name: string, body: string) {
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, `#!/bin/sh\n${body}\n`);
  await Deno.chmod(path, 0o755);
  return path;
}

Deno.test("Supervisor: a binary that exits at once gives error with its output, after bounded retries", async () => {
  const tmp = await Deno.makeTempDir();
  const bin = await script(
    tmp,
    "opencode",
    'echo "fatal: cannot load config" >&2\nexit 3',
  );
  // Also the process tool runs through this broken binary: the supervisor
  // must fall back to signalling the direct child.
  await using f = await fixture(bin, { helperBinary: undefined });
  const row = await f.create("a");
  f.supervisor.start(row.id);
  const failed = await waitFor("giving up", () => {
    const r = f.store.get(row.id);
    return r?.status === "error" && /Gave up/.test(r.last_error ?? "") && r;
  });
  assert.equal(failed.exit_code, 3);
  assert.match(
    failed.last_error ?? "",
    /^Cannot start instance as OpenCode exited before it was ready \(exit code 3\)/,
  );
  assert.match(failed.last_error ?? "", /fatal: cannot load config/);
  assert.match(failed.last_error ?? "", /Gave up after 2 restarts in a row/);
  assert.equal(failed.pid, null);
  assert.equal(failed.restart_count, 2);
  assert.deepEqual(f.statuses(row.id), [
    "starting",
    "starting",
    "error",
    "starting",
    "starting",
    "error",
    "starting",
    "starting",
    "error",
  ]);
  assert.deepEqual(procsWithEnv(INSTANCE_MARKER_ENV, row.id), []);
  assert.ok(
    f.supervisor.logs(row.id).some((l) =>
      l.stream === "stderr" && l.line === "fatal: cannot load config"
    ),
  );
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("Supervisor: a binary that never prints the listening line times out, no leftover process", async () => {
  const tmp = await Deno.makeTempDir();
  const bin = await script(
    tmp,
    "opencode",
    'echo "booting"\nsleep 60 &\nsetsid sleep 61 &\nwait',
  );
  await using f = await fixture(bin, { readyTimeoutMs: 800 });
  const row = await f.create("b");
  f.supervisor.start(row.id);
  const started = await f.supervisor.waitForStatus(row.id, ["starting"]);
  const pid = await waitFor("pid", () => f.store.get(row.id)?.pid);
  assert.ok(isAlive(pid), String(started.pid));
  const failed = await f.supervisor.waitForStatus(row.id, ["error"], 10_000);
  assert.match(
    failed.last_error ?? "",
    /printed no listening line on stdout within 800 ms/,
  );
  assert.match(failed.last_error ?? "", /booting/);
  assert.doesNotMatch(failed.last_error ?? "", /Restarting|exit code/);
  assert.equal(failed.exit_code, null);
  assert.equal(failed.restart_count, 0);
  assert.ok(!isAlive(pid));
  assert.deepEqual(procsWithEnv(INSTANCE_MARKER_ENV, row.id), []);
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("Supervisor: a missing or unrunnable binary gives error with the fix", async () => {
  const tmp = await Deno.makeTempDir();
  const notExecutable = `${tmp}/opencode`;
  await Deno.writeTextFile(notExecutable, "not a program");
  let missing = true;
  await using f = await fixture(() => {
    if (missing) {
      throw new OpenCodeBinaryError(
        "Cannot find the OpenCode binary: run `deno install`, or pass --opencode /path",
      );
    }
    return notExecutable;
  });
  const a = await f.create("missing");
  f.supervisor.start(a.id);
  const failedA = await f.supervisor.waitForStatus(a.id, ["error"]);
  assert.match(
    failedA.last_error ?? "",
    /^Cannot start instance as the binary is missing: .*deno install/,
  );

  missing = false;
  const b = await f.create("unrunnable");
  f.supervisor.start(b.id);
  const failedB = await f.supervisor.waitForStatus(b.id, ["error"]);
  assert.match(
    failedB.last_error ?? "",
    /^Cannot start instance as the binary cannot be run: .*--opencode/,
  );

  await f.supervisor.stop(b.id);
  assert.equal(f.store.get(b.id)?.status, "stopped");
  assert.throws(() => f.supervisor.start("nope"), InstanceNotFoundError);
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("Supervisor: runs a child with auth, env and logs; client() only while running", async () => {
  let bin = "";
  await using g = await fixture(() => bin, {
    childEnv: { FAKE_OPENCODE_MODE: "ok" },
    opencodeConfigPath: "/etc/flock-test/opencode.json",
  });
  bin = await writeFakeOpenCode(g.dir);
  const row = await g.create("ok");
  assert.throws(() => g.supervisor.client(row.id), InstanceNotRunningError);
  g.supervisor.start(row.id);
  g.supervisor.start(row.id); // no second child
  const running = await g.supervisor.waitForStatus(row.id, ["running"]);
  assert.ok(running.port && running.port > 0);
  assert.ok(running.pid && isAlive(running.pid));
  const client = g.supervisor.client(row.id);
  assert.deepEqual(await client.health(), { healthy: true, version: "fake" });
  const lines = g.supervisor.logs(row.id).map((l) => l.line);
  assert.ok(
    lines.includes("fake opencode serve --port 0 --hostname 127.0.0.1"),
  );
  assert.ok(lines.includes("config /etc/flock-test/opencode.json"));
  assert.ok(
    lines.includes(`opencode server listening on ${client.baseUrl}`),
  );
  await waitFor(
    "upstream server.connected",
    () =>
      g.events.some((e) =>
        e.type === "server.connected" && e.instance_id === row.id
      ),
  );
  // The password reaches the child and nowhere else.
  const password = new ProcReader().environ(running.pid)
    ?.OPENCODE_SERVER_PASSWORD;
  assert.ok(password && password.length >= 32);
  assert.ok(!JSON.stringify(g.events).includes(password));
  assert.ok(!JSON.stringify(g.store.list()).includes(password));
  assert.ok(!JSON.stringify(g.supervisor.logs(row.id)).includes(password));

  await g.supervisor.stop(row.id);
  assert.deepEqual(g.statuses(row.id).slice(-2), ["stopping", "stopped"]);
  assert.ok(!isAlive(running.pid));
  assert.throws(() => g.supervisor.client(row.id), InstanceNotRunningError);
  const stopped = g.store.get(row.id);
  assert.equal(stopped?.pid, null);
  assert.equal(stopped?.port, null);
});

Deno.test("Supervisor: reconcile settles rows and leaves foreign pids alone", async () => {
  await using f = await fixture("/nonexistent/opencode");
  const sleeper = new Deno.Command("sleep", {
    args: ["30"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const foreign = await f.create("foreign");
    f.store.update(foreign.id, {
      status: "running",
      pid: sleeper.pid,
      port: 4096,
    });
    const dead = await f.create("dead");
    f.store.update(dead.id, { status: "stopping", pid: 2 ** 22 + 11 });
    const starting = await f.create("starting");
    const errored = await f.create("errored");
    f.store.update(errored.id, { status: "error", last_error: "x" });

    await f.supervisor.reconcile();
    // A stop in progress ends stopped; what was running or starting wakes on use.
    for (
      const [id, status] of [
        [foreign.id, "hibernated"],
        [dead.id, "stopped"],
        [starting.id, "hibernated"],
      ]
    ) {
      const row = f.store.get(id!);
      assert.equal(row?.status, status, id);
      assert.equal(row?.pid, null);
      assert.equal(row?.port, null);
    }
    assert.equal(f.store.get(errored.id)?.status, "error");
    assert.ok(isAlive(sleeper.pid), "a foreign process was signalled");
  } finally {
    sleeper.kill("SIGKILL");
    await sleeper.status;
  }
});

Deno.test("Supervisor: a frozen child fails health checks, is SIGKILLed and restarted", async () => {
  let bin = "";
  await using g = await fixture(() => bin, {
    childEnv: { FAKE_OPENCODE_MODE: "ok" },
    stopGraceMs: 300,
    health: { intervalMs: 100, timeoutMs: 200, failures: 2 },
  });
  bin = await writeFakeOpenCode(g.dir);
  const row = await g.create("frozen");
  g.supervisor.start(row.id);
  const first = await g.supervisor.waitForStatus(row.id, ["running"]);
  assert.ok(first.pid);
  Deno.kill(first.pid, "SIGSTOP");
  const failed = await g.supervisor.waitForStatus(row.id, ["error"]);
  assert.match(failed.last_error ?? "", /stopped answering health checks/);
  assert.ok(!isAlive(first.pid));
  const second = await waitFor("restart", () => {
    const r = g.store.get(row.id);
    return r?.status === "running" && r;
  });
  assert.equal(second.restart_count, 1);
  assert.notEqual(second.pid, first.pid);
  await g.supervisor.stop(row.id);
  assert.deepEqual(procsWithEnv(INSTANCE_MARKER_ENV, row.id), []);
});
