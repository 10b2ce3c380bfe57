/**
 * Supervisor tests against real `opencode serve` children (the pinned
 * binary) talking to the project's fake model, with real processes and a
 * real temp SQLite database. One test with steps, so the slow start of
 * OpenCode (about 4 s) is paid once per instance.
 */
import assert from "node:assert/strict";
import { MIGRATIONS } from "../../migrations/migrations.ts";
import type {
  InstanceStatusEvent,
  UpstreamFlockEvent,
  WireEvent,
} from "../contract/events.ts";
import { openDatabase } from "../db/database.ts";
import { InstanceStore } from "../db/instance_store.ts";
import { migrate } from "../db/migrate.ts";
import { fakeReply, startFakeModel } from "../testing/fake_model.ts";
import { createOpenCodeEnv } from "../testing/opencode_env.ts";
import {
  descendants,
  isAlive,
  procsWithEnv,
  waitFor,
} from "../testing/procfs.ts";
import { pinnedOpenCodePath } from "./opencode_binary.ts";
import { isFlockEvent } from "../contract/event_types.ts";
import { sessionIdOf } from "../contract/session_id_of.ts";
import type { ResyncSnapshot } from "./upstream_events.ts";
import { spawnChild } from "./spawn.ts";
import { INSTANCE_MARKER_ENV } from "./reaper.ts";
import { Supervisor } from "./supervisor.ts";

function isUpstream(e: WireEvent): e is UpstreamFlockEvent {
  return isFlockEvent(e) && "instance_id" in e &&
    !e.type.startsWith("instance.");
}

function isStatus(e: WireEvent): e is InstanceStatusEvent {
  return e.type === "instance.status";
}

Deno.test("Supervisor with real OpenCode", async (t) => {
  await using model = await startFakeModel({ tokenDelayMs: 10 });
  await using env = await createOpenCodeEnv({
    modelBaseURL: model.baseURL,
    bash: "allow",
  });
  const db = openDatabase(`${env.root}/flock.db`);
  migrate(db, MIGRATIONS);
  const store = new InstanceStore(db);
  const events: WireEvent[] = [];
  const resyncs: Array<[string, ResyncSnapshot]> = [];
  const binary = pinnedOpenCodePath();
  const supervisor = new Supervisor({
    instances: store,
    publish: (e) => events.push(e),
    onResync: (id, snapshot) => void resyncs.push([id, snapshot]),
    binary: () => ({ path: binary, source: "pinned" }),
    childEnv: env.env,
    readyTimeoutMs: 60_000,
    restartPolicy: { baseMs: 200, capMs: 1000 },
  });
  try {
    const a = store.create({
      id: "inst_a",
      name: "a",
      working_directory: await env.workspace("a"),
    });
    const b = store.create({
      id: "inst_b",
      name: "b",
      working_directory: await env.workspace("b"),
    });

    await t.step(
      "two instances start concurrently on distinct ports",
      async () => {
        supervisor.start(a.id);
        supervisor.start(b.id);
        const [ra, rb] = await Promise.all([
          supervisor.waitForStatus(a.id, ["running"], 90_000),
          supervisor.waitForStatus(b.id, ["running"], 90_000),
        ]);
        assert.equal(ra.status, "running", ra.last_error ?? "");
        assert.equal(rb.status, "running", rb.last_error ?? "");
        assert.ok(ra.port && rb.port && ra.port !== rb.port);
        assert.ok(ra.pid && rb.pid && isAlive(ra.pid) && isAlive(rb.pid));
        for (const id of [a.id, b.id]) {
          assert.deepEqual(
            (await supervisor.client(id).health()).healthy,
            true,
          );
          assert.ok(
            supervisor.logs(id).some((l) =>
              l.stream === "stdout" &&
              l.line.startsWith("opencode server listening on")
            ),
          );
        }
        // Two OpenCodes migrating one fresh data dir at once can make one
        // exit 1 ("Failed query: CREATE TABLE ..."); the supervisor retries it.
        for (const id of [a.id, b.id]) {
          const statuses = events.filter(isStatus)
            .filter((e) => e.instance_id === id)
            .map((e) => e.properties.instance.status);
          assert.deepEqual(statuses.slice(0, 2), ["starting", "starting"]);
          assert.equal(statuses.at(-1), "running");
        }
      },
    );

    await t.step("a prompt streams back as upstream events", async () => {
      const client = supervisor.client(a.id);
      const session = await client.createSession({ title: "t" });
      await client.promptAsync(session.id, { text: "hello" });
      const ofSession = (e: UpstreamFlockEvent) =>
        e.instance_id === a.id && sessionIdOf(e) === session.id;
      await waitFor(
        "session.idle",
        () =>
          events.filter(isUpstream).some((e) =>
            e.type === "session.idle" && ofSession(e)
          ),
        30_000,
      );
      const text = events.filter(isUpstream)
        .flatMap((e) =>
          e.type === "message.part.delta" && ofSession(e)
            ? [e.properties.delta]
            : []
        ).join("");
      assert.equal(text, fakeReply("hello"));
      assert.ok(
        !events.some((e) => e.type === "server.heartbeat"),
        "heartbeats are not forwarded",
      );
      assert.ok(resyncs.some(([id]) => id === a.id));
      const messages = await client.messages(session.id);
      assert.equal(messages.length, 2);
      assert.deepEqual(
        (await client.listSessions()).map((s) => s.id),
        [session.id],
      );
    });

    await t.step(
      "kill -9 of a child is detected and restarted; stop really stops it",
      async () => {
        const before = store.get(a.id)!;
        Deno.kill(before.pid!, "SIGKILL");
        const after = await waitFor("restart", () => {
          const row = store.get(a.id);
          return row?.status === "running" &&
            row.restart_count === before.restart_count + 1 &&
            row.pid !== before.pid && row;
        }, 60_000);
        assert.notEqual(after.pid, before.pid);
        const crashed = events.filter(isStatus).filter((e) =>
          e.instance_id === a.id && e.properties.instance.status === "error"
        ).at(-1);
        assert.match(
          crashed?.properties.instance.last_error ?? "",
          /exited unexpectedly \(exit code 137, signal SIGKILL\)/,
        );
        assert.equal((await supervisor.client(a.id).health()).healthy, true);
        await supervisor.stop(a.id);
        const stopped = store.get(a.id)!;
        assert.equal(stopped.status, "stopped");
        assert.equal(stopped.pid, null);
        assert.ok(!isAlive(after.pid!));
        assert.deepEqual(procsWithEnv(INSTANCE_MARKER_ENV, a.id), []);
      },
    );

    await t.step(
      "stop while a bash tool runs leaves no process behind",
      async () => {
        const client = supervisor.client(b.id);
        const pid = store.get(b.id)!.pid!;
        const session = await client.createSession();
        await client.promptAsync(session.id, { text: "use bash: sleep 60" });
        const sleep = await waitFor(
          "a sleep 60 below the child",
          () =>
            descendants(pid).find((p) => p.cmdline.join(" ") === "sleep 60"),
          30_000,
        );
        const tree = descendants(pid);
        await supervisor.stop(b.id);
        assert.equal(store.get(b.id)?.status, "stopped");
        assert.ok(!isAlive(pid), "opencode survived");
        assert.ok(!isAlive(sleep.pid), "the tool's sleep survived");
        for (const p of tree) {
          assert.ok(
            !isAlive(p.pid),
            `descendant ${p.pid} ${p.cmdline} survived`,
          );
        }
        assert.deepEqual(procsWithEnv(INSTANCE_MARKER_ENV, b.id), []);
      },
    );

    await t.step(
      "reconcile kills a leftover opencode serve, not a foreign pid",
      async () => {
        const dir = await env.workspace("c");
        const leftover = spawnChild({
          command: binary,
          args: ["serve", "--port", "0", "--hostname", "127.0.0.1"],
          cwd: dir,
          env: { ...env.env, OPENCODE_SERVER_PASSWORD: "pw" },
          detached: true,
        });
        const orphan = spawnChild({
          command: "/bin/sh",
          args: ["-c", "setsid sleep 45 >/dev/null 2>&1 &"],
          env: { [INSTANCE_MARKER_ENV]: "inst_c" },
        });
        await Promise.all([
          orphan.stdout.cancel(),
          orphan.stderr.cancel(),
          orphan.status,
        ]);
        const orphanPid = (await waitFor(
          "the orphan",
          () =>
            procsWithEnv(INSTANCE_MARKER_ENV, "inst_c").find((p) =>
              p.cmdline.join(" ") === "sleep 45"
            ),
        )).pid;
        const foreign = spawnChild({ command: "sleep", args: ["30"] });
        try {
          store.create({ id: "inst_c", name: "c", working_directory: dir });
          store.update("inst_c", {
            status: "running",
            pid: leftover.pid,
            port: 1,
          });
          store.create({ id: "inst_d", name: "d", working_directory: dir });
          store.update("inst_d", {
            status: "running",
            pid: foreign.pid,
            port: 2,
          });
          assert.ok(isAlive(orphanPid));

          await supervisor.reconcile();

          const exit = await leftover.status;
          assert.equal(exit.signal, "SIGTERM");
          assert.ok(!isAlive(orphanPid), "the marked orphan survived");
          assert.ok(isAlive(foreign.pid), "a foreign process was signalled");
          // What was running wakes on use (a request starts a fresh child).
          for (const id of ["inst_c", "inst_d"]) {
            const row = store.get(id);
            assert.equal(row?.status, "hibernated");
            assert.equal(row?.pid, null);
          }
        } finally {
          leftover.kill("SIGKILL");
          foreign.kill("SIGKILL");
          await Promise.all([
            leftover.stdout.cancel(),
            leftover.stderr.cancel(),
            foreign.stdout.cancel(),
            foreign.stderr.cancel(),
          ]);
          await Promise.all([leftover.status, foreign.status]);
        }
      },
    );
  } finally {
    await supervisor[Symbol.asyncDispose]();
    db.close();
  }
});
