/**
 * Flock as a real process (the permissions the launcher gives it) supervising
 * real OpenCode children: Ctrl+C to the whole process group, and a kill -9
 * of Flock followed by a restart on the same database.
 */
import { DatabaseSync } from "node:sqlite";
import type { InstanceJson } from "./contract/instances.ts";
import type { SessionJson } from "./contract/sessions.ts";
import { assert, assertEquals } from "./testing/assert.ts";
import { startFakeModel } from "./testing/fake_model.ts";
import { startFlockProcess } from "./testing/flock_process.ts";
import { createOpenCodeEnv } from "./testing/opencode_env.ts";
import { isAlive, procsWithEnv, readProc, waitFor } from "./testing/procfs.ts";
import { SseReader } from "./testing/sse_reader.ts";
import { api } from "./testing/flock_http.ts";

const MARKER = "FLOCK_INSTANCE_ID";

async function waitRunning(base: string, id: string): Promise<InstanceJson> {
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    const inst = await api<InstanceJson>(base, "GET", `/api/instances/${id}`);
    if (inst.status === "running") return inst;
    if (inst.status === "error" && inst.restart_count >= 5) {
      throw new Error(`instance ${id} failed: ${inst.last_error}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`instance ${id} did not reach running`);
}

Deno.test({
  name:
    "Ctrl+C (SIGINT to the process group) stops Flock and leaves no OpenCode or tool process",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using model = await startFakeModel();
    await using env = await createOpenCodeEnv({
      modelBaseURL: model.baseURL,
      bash: "allow",
    });
    const wsA = await env.workspace("a");
    const wsB = await env.workspace("b");
    await using flock = await startFlockProcess({
      home: env.env.HOME!,
      env: env.env,
      args: ["--port", "0"],
      ownGroup: true,
      // As a user runs it: the task runner forwards Ctrl+C, so Flock gets it twice.
      viaTask: true,
    });
    const base = flock.url;
    const a = await api<InstanceJson>(base, "POST", "/api/instances", {
      working_directory: wsA,
    });
    const b = await api<InstanceJson>(base, "POST", "/api/instances", {
      working_directory: wsB,
    });
    await Promise.all([waitRunning(base, a.id), waitRunning(base, b.id)]);

    const session = await api<SessionJson>(
      base,
      "POST",
      `/api/instances/${a.id}/sessions`,
      {},
    );
    await api(base, "POST", `/api/sessions/${session.id}/messages`, {
      text: "use bash: sleep 61",
    });
    const sleeper = await waitFor(
      "the bash tool's sleep",
      () =>
        procsWithEnv(MARKER, a.id).find((p) =>
          p.cmdline.includes("sleep") ||
          p.cmdline.join(" ").includes("sleep 61")
        ),
      60_000,
    );
    const tracked = [
      ...procsWithEnv(MARKER, a.id),
      ...procsWithEnv(MARKER, b.id),
    ].map((p) => p.pid);
    assert(tracked.includes(sleeper.pid));
    assert(
      tracked.length >= 3,
      `expected two OpenCodes and a sleep, got ${tracked.length}`,
    );

    // A browser's stream stays open through the shutdown and sees the children stop.
    const stream = await fetch(`${base}/api/events`);
    const sse = new SseReader(stream.body!);

    // What a terminal's Ctrl+C does: SIGINT to every process of the group.
    Deno.kill(-flock.pid, "SIGINT");
    const status = await flock.exited;
    assertEquals(status.code, 0, status.stderr);

    const stopped = new Set<string>();
    while (true) {
      const event = await sse.next(5_000);
      if (!event) break;
      if (event.event !== "instance.status") continue;
      const data = JSON.parse(event.data) as {
        instance_id: string;
        properties: { instance: InstanceJson };
      };
      // A running instance ends hibernated at shutdown: it wakes on use
      // after the next start.
      if (data.properties.instance.status === "hibernated") {
        stopped.add(data.instance_id);
      }
    }
    assertEquals(
      [...stopped].sort(),
      [a.id, b.id].sort(),
      "both stops reached the open stream",
    );

    await waitFor(
      "every OpenCode and tool process to be gone",
      () =>
        tracked.every((pid) => !isAlive(pid)) &&
        procsWithEnv(MARKER, a.id).length === 0 &&
        procsWithEnv(MARKER, b.id).length === 0,
      5_000,
    );
  },
});

Deno.test({
  name:
    "kill -9 of Flock, then a restart on the same DB: the instance is hibernated (wakes on use), the orphan reaped, a foreign PID untouched",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using model = await startFakeModel();
    await using env = await createOpenCodeEnv({ modelBaseURL: model.baseURL });
    const ws = await env.workspace("a");
    const home = env.env.HOME!;
    const first = await startFlockProcess({
      home,
      env: env.env,
      args: ["--port", "0"],
    });
    let orphanPid = 0;
    try {
      const inst = await api<InstanceJson>(
        first.url,
        "POST",
        "/api/instances",
        { working_directory: ws },
      );
      const running = await waitRunning(first.url, inst.id);
      orphanPid = running.pid!;
      assert(readProc(orphanPid)?.cmdline.includes("serve"));
      first.child.kill("SIGKILL");
      await first.exited;
      // The child outlives a kill -9 of its supervisor (it runs in its own session).
      assert(isAlive(orphanPid), "the OpenCode child outlived Flock");

      // A row whose recorded PID now belongs to an unrelated program.
      const foreign = new Deno.Command("sleep", {
        args: ["300"],
        stdout: "null",
        stderr: "null",
      }).spawn();
      try {
        const db = new DatabaseSync(`${env.env.XDG_DATA_HOME}/flock/flock.db`);
        db.prepare(
          `INSERT INTO instances (id, name, working_directory, status, pid, port)
           VALUES ('inst_foreign', 'foreign', '/tmp/nowhere', 'running', ?, 4999)`,
        ).run(foreign.pid);
        db.close();

        await using second = await startFlockProcess({
          home,
          env: env.env,
          args: ["--port", "0"],
        });
        const after = await api<InstanceJson>(
          second.url,
          "GET",
          `/api/instances/${inst.id}`,
        );
        assertEquals(after.status, "hibernated");
        assertEquals(after.pid, null);
        await waitFor(
          "the orphaned OpenCode to be reaped",
          () => !isAlive(orphanPid),
          10_000,
        );
        const foreignRow = await api<InstanceJson>(
          second.url,
          "GET",
          "/api/instances/inst_foreign",
        );
        assertEquals(foreignRow.status, "hibernated");
        assert(isAlive(foreign.pid), "the unrelated process was not touched");
        second.child.kill("SIGTERM");
        assertEquals((await second.exited).code, 0);
      } finally {
        foreign.kill("SIGKILL");
        await foreign.status;
      }
    } finally {
      await first[Symbol.asyncDispose]();
      if (orphanPid && isAlive(orphanPid)) Deno.kill(orphanPid, "SIGKILL");
    }
  },
});
