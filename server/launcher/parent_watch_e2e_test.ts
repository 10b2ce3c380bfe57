/**
 * The launcher's parent watch with real processes: `deno task start` and
 * `deno task serve` run the launcher, which runs Flock, which runs real
 * OpenCode (fake model). SIGKILLing the task runner itself (an IDE's stop
 * button, `kill -9`) must leave nothing behind, and Flock must close its
 * database as on a normal stop. The rule and the poll are unit-tested with a
 * fake clock in `parent_watch_test.ts`.
 */
import { DatabaseSync } from "node:sqlite";
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import { startFakeModel } from "../testing/fake_model.ts";
import { startFlockProcess } from "../testing/flock_process.ts";
import { createOpenCodeEnv } from "../testing/opencode_env.ts";
import {
  descendants,
  isAlive,
  procsWithEnv,
  waitFor,
} from "../testing/procfs.ts";
import { LAUNCHED_CHILD_ARG } from "./launch.ts";
import { runningInstance } from "../testing/flock_http.ts";
import { exists } from "../testing/paths.ts";

const MARKER = "FLOCK_INSTANCE_ID";

function killAll(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

Deno.test({
  name:
    "a SIGKILLed deno task (start, serve) takes the launcher, Flock and every OpenCode child with it; the DB is closed cleanly",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using model = await startFakeModel();
    await using env = await createOpenCodeEnv({ modelBaseURL: model.baseURL });
    for (const via of ["start", "serve"] as const) {
      await t.step(via, async () => {
        const dataDir = `${env.root}/flock-${via}`;
        await using flock = await startFlockProcess({
          home: env.env.HOME!,
          env: env.env,
          args: ["--port", "0", "--data-dir", dataDir],
          via,
        });
        const inst = await runningInstance(
          flock.url,
          await env.workspace(`task-${via}`),
        );
        const tree = descendants(flock.pid);
        const launcher = tree.find((p) =>
          p.cmdline.some((a) => a.endsWith("server/cli.ts"))
        );
        const server = tree.find((p) => p.cmdline.includes(LAUNCHED_CHILD_ARG));
        assert(launcher && server, tree.map((p) => p.cmdline).join("\n"));
        assertEquals(
          launcher.ppid,
          flock.pid,
          "the launcher is the task runner's own child (no nested deno task)",
        );
        const opencode = procsWithEnv(MARKER, inst.id);
        assert(opencode.length > 0, "OpenCode runs");
        const everyPid = () =>
          new Set([
            ...tree.map((p) => p.pid),
            ...procsWithEnv(MARKER, inst.id).map((p) => p.pid),
          ]);
        const before = everyPid();
        try {
          flock.child.kill("SIGKILL");
          await waitFor(
            "the launcher, Flock and OpenCode to be gone",
            () =>
              [...before].every((pid) => !isAlive(pid)) &&
              procsWithEnv(MARKER, inst.id).length === 0,
            20_000,
          );
        } finally {
          // On failure, leave nothing running (and let the pipes close).
          killAll(new Set([...before, ...everyPid()]));
        }
        const status = await flock.exited;
        assertEquals(status.signal, "SIGKILL");
        const output = status.stdout + status.stderr;
        assertMatch(output, /Received SIGHUP, shutting down/);
        assertMatch(output, /Flock stopped/);
        const dbPath = `${dataDir}/flock.db`;
        assertEquals(
          await exists(`${dbPath}-wal`),
          false,
          "closing the last connection checkpointed and removed the WAL",
        );
        const db = new DatabaseSync(dbPath);
        try {
          const check = db.prepare("PRAGMA integrity_check").get() as {
            integrity_check: string;
          };
          assertEquals(check.integrity_check, "ok");
          const row = db.prepare(
            "SELECT status FROM instances WHERE id = ?",
          ).get(inst.id) as { status: string } | undefined;
          assert(row, "the instance is still recorded");
        } finally {
          db.close();
        }
      });
    }
  },
});
