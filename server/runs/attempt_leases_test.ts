/**
 * A workflow attempt counts as activity: the runner holds an activity lease
 * on the run's instance for every live attempt, across hand-offs, and lets
 * go when the attempt ends, the run ends, or the runner closes. Over a real
 * SQLite file, the real `ActivityRegistry` and a fake OpenCode world.
 */
import { isFlockEvent } from "../contract/event_types.ts";
import { idleVerdict } from "../fleet/idle_rule.ts";
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import { FEATURE_YAML, storiesJson } from "../workflows/testing/specs.ts";
import { AttemptLeases } from "./attempt_leases.ts";
import type { WorldEnd, WorldPrompt } from "./testing/fake_world.ts";
import { INSTANCE_ID, startRunner } from "./testing/runner_harness.ts";

/** A fake activity registry that counts leases per instance. */
function countingActivity() {
  const counts = new Map<string, number>();
  const log: string[] = [];
  return {
    counts,
    log,
    hold(instanceId: string): Disposable {
      counts.set(instanceId, (counts.get(instanceId) ?? 0) + 1);
      log.push(`hold ${instanceId}`);
      let held = true;
      return {
        [Symbol.dispose]() {
          if (!held) return;
          held = false;
          counts.set(instanceId, counts.get(instanceId)! - 1);
          log.push(`release ${instanceId}`);
        },
      };
    },
  };
}

Deno.test("AttemptLeases: one lease per live attempt, the next taken before the previous is let go, none once the run has no live attempt", () => {
  const activity = countingActivity();
  const leases = new AttemptLeases(activity);
  leases.sync("run_1", "inst_a", { id: "run_1.1" });
  leases.sync("run_1", "inst_a", { id: "run_1.1" }); // the same attempt again
  assertEquals(activity.log, ["hold inst_a"]);
  leases.sync("run_1", "inst_a", { id: "run_1.2" }); // a hand-off
  assertEquals(activity.log, ["hold inst_a", "hold inst_a", "release inst_a"]);
  leases.sync("run_2", "inst_b", { id: "run_2.1" });
  assertEquals([...leases.held()], [["run_1", "run_1.2"], [
    "run_2",
    "run_2.1",
  ]]);
  leases.sync("run_1", "inst_a", null); // the run ended or waits for a person
  leases.sync("run_1", "inst_a", null);
  assertEquals([activity.counts.get("inst_a"), activity.counts.get("inst_b")], [
    0,
    1,
  ]);
  leases[Symbol.dispose]();
  assertEquals(activity.counts.get("inst_b"), 0);
  leases.sync("run_3", "inst_a", { id: "run_3.1" }); // closed: holds nothing
  assertEquals([activity.counts.get("inst_a"), leases.held().size], [0, 0]);
});

/** Plays the feature-mini roles without a retry. */
function feature(prompt: WorldPrompt): WorldEnd {
  const unit = prompt.title.split(" · ").slice(1, -1).join("/");
  if (unit === "plan") {
    return {
      reply: `STATUS: done\nREPO: /r\nBRANCH: b\nSTORIES_JSON: ${
        storiesJson(2)
      }`,
    };
  }
  if (unit === "setup") return { reply: "STATUS: done\nTEST_CMD: npm test" };
  if (unit.startsWith("implement/")) {
    return { reply: "STATUS: done\nCHANGES: c" };
  }
  return { reply: "STATUS: done\nVERIFIED: ok\nRESULTS: r\nPR: p" };
}

Deno.test("a whole run holds a lease on its instance from its first attempt to its end, never none between hand-offs, and none after", async () => {
  await using runner = await startRunner({ script: feature });
  const activity = runner.services.activity;
  // One timeline of the instance's lease count and the run's status.
  const timeline: string[] = [];
  activity.onChange((id) => {
    if (id === INSTANCE_ID) {
      timeline.push(`leases:${activity.snapshot(id).leases}`);
    }
  });
  runner.services.listen((event) => {
    if (isFlockEvent(event) && event.type === "run.updated") {
      timeline.push(`run:${event.properties.run.status}`);
    }
  });
  await runner.install(FEATURE_YAML);
  const run = await runner.run("feature-mini");
  const done = await runner.until(run.id, ["completed", "failed", "blocked"]);
  assertEquals(done.status, "completed");
  assert(done.attempts.length >= 9, "several hand-offs happened");
  const first = timeline.indexOf("leases:1");
  const end = timeline.indexOf("run:completed");
  assert(first >= 0 && end > first, timeline.join(" "));
  // Released just before the run's end is published, and never before.
  const during = timeline.slice(first, end).filter((t) =>
    t.startsWith("leases:")
  );
  assertEquals(during.at(-1), "leases:0", timeline.join(" "));
  assertEquals(
    during.slice(0, -1).filter((t) => t === "leases:0"),
    [],
    timeline.join(" "),
  );
  assert(
    during.every((t) => t !== "leases:3"),
    "at most the two of a hand-off",
  );
  assertEquals(activity.snapshot(INSTANCE_ID).leases, 0);
});

Deno.test("a live attempt keeps its instance from idling however long it is quiet, and the runner's close lets the lease go", async () => {
  await using runner = await startRunner({ script: () => ({ hold: true }) });
  const activity = runner.services.activity;
  await runner.install(FEATURE_YAML);
  await runner.run("feature-mini");
  await runner.untilEvent((e) => e.type === "session.created");
  const snapshot = activity.snapshot(INSTANCE_ID);
  assertEquals(snapshot.leases, 1);
  const verdict = idleVerdict(snapshot, 1, snapshot.lastActiveAt + 86_400_000);
  assertEquals(verdict.kind, "active");
  assertMatch(
    verdict.kind === "active" ? verdict.why : "",
    /1 lease\(s\) \(requests or workflow attempts\)/,
  );
  await runner.services.runs.close();
  assertEquals(activity.snapshot(INSTANCE_ID).leases, 0);
});

Deno.test("after a restart the recovered live attempt holds a lease again", async () => {
  await using first = await startRunner({ script: () => ({ hold: true }) });
  await first.install(FEATURE_YAML);
  await first.run("feature-mini");
  await first.untilEvent((e) => e.type === "session.created");
  await first.crash();
  assertEquals(first.services.activity.snapshot(INSTANCE_ID).leases, 0);
  const path = first.services.db.location();
  assert(path !== null);
  await using second = await startRunner({
    script: () => ({ hold: true }),
    dbPath: path,
    world: first.world,
  });
  assertEquals(second.services.activity.snapshot(INSTANCE_ID).leases, 1);
});
