/**
 * Stopping many real OpenCode instances at once costs a bounded number of
 * process helpers: the supervisor shares one long-lived helper, so `/proc`,
 * sampled all through the stop, never shows more than two (one, plus one
 * briefly while a replaced helper exits). Before, each stop started two or
 * three helpers of its own, all at the same moment.
 */
import assert from "node:assert/strict";
import { MIGRATIONS } from "../../migrations/migrations.ts";
import { openDatabase } from "../db/database.ts";
import { InstanceStore } from "../db/instance_store.ts";
import { migrate } from "../db/migrate.ts";
import { HELPER_MARKER_ENV } from "../processes/helper_protocol.ts";
import { ProcReader } from "../processes/procfs.ts";
import { startFakeModel } from "../testing/fake_model.ts";
import { createOpenCodeEnv } from "../testing/opencode_env.ts";
import { pinnedOpenCodePath } from "./opencode_binary.ts";
import { INSTANCE_MARKER_ENV } from "./reaper.ts";
import { Supervisor } from "./supervisor.ts";

const INSTANCES = 10;

/**
 * Samples `/proc` until stopped: the largest number of live helper
 * processes that are children of this process at one moment, and every
 * helper pid seen.
 */
function sampleHelpers(reader: ProcReader) {
  let running = true;
  let max = 0;
  const seen = new Set<number>();
  const done = (async () => {
    while (running) {
      const helpers = reader.all()
        .filter((p) => p.ppid === Deno.pid)
        .filter((p) => reader.environ(p.pid)?.[HELPER_MARKER_ENV] === "1");
      max = Math.max(max, helpers.length);
      for (const p of helpers) seen.add(p.pid);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return { max, seen };
    },
  };
}

Deno.test({
  name:
    `stopping ${INSTANCES} real OpenCode instances at once never has more than 2 process helpers alive`,
  async fn() {
    await using model = await startFakeModel();
    await using env = await createOpenCodeEnv({ modelBaseURL: model.baseURL });
    const db = openDatabase(`${env.root}/flock.db`);
    migrate(db, MIGRATIONS);
    const store = new InstanceStore(db);
    const binary = pinnedOpenCodePath();
    const supervisor = new Supervisor({
      instances: store,
      publish: () => {},
      binary: () => ({ path: binary, source: "pinned" }),
      childEnv: env.env,
      readyTimeoutMs: 120_000,
      health: { intervalMs: 30_000, timeoutMs: 30_000, failures: 3 },
    });
    const reader = new ProcReader();
    try {
      const ids: string[] = [];
      for (let i = 0; i < INSTANCES; i++) {
        const row = store.create({
          id: `inst_many_${i}`,
          name: `many ${i}`,
          working_directory: await env.workspace(`many-${i}`),
        });
        ids.push(row.id);
      }
      // The first one migrates OpenCode's fresh database alone.
      supervisor.start(ids[0]!);
      await supervisor.waitForStatus(ids[0]!, ["running"], 120_000);
      for (const id of ids.slice(1)) supervisor.start(id);
      const rows = await Promise.all(
        ids.map((id) => supervisor.waitForStatus(id, ["running"], 180_000)),
      );
      const pids = rows.map((row) => row.pid!);
      assert.equal(new Set(pids).size, INSTANCES);

      const sampler = sampleHelpers(reader);
      await Promise.all(ids.map((id) => supervisor.stop(id)));
      const { max, seen } = await sampler.stop();

      assert.ok(seen.size >= 1, "the sampler saw the helper at work");
      assert.ok(max <= 2, `${max} helper processes alive at once`);
      for (const [i, pid] of pids.entries()) {
        assert.equal(store.get(ids[i]!)?.status, "stopped");
        assert.equal(reader.stat(pid), null, `OpenCode ${pid} survived`);
        assert.deepEqual(reader.withEnv(INSTANCE_MARKER_ENV, ids[i]!), []);
      }
    } finally {
      await supervisor[Symbol.asyncDispose]();
      db.close();
    }
    assert.deepEqual(
      reader.all().filter((p) =>
        p.ppid === Deno.pid &&
        reader.environ(p.pid)?.[HELPER_MARKER_ENV] === "1"
      ),
      [],
      "the helper is closed with the supervisor",
    );
  },
});
