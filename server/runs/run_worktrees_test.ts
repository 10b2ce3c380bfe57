/**
 * Runs in worktrees of their own, in process over a real SQLite file, a
 * fake OpenCode world and a fake {@linkcode RunWorktrees} (the git side is
 * proven on real git by `run_worktrees_e2e_test.ts` and end to end by
 * `runs_worktree_e2e_test.ts`): every attempt's session is created in the
 * worktree's directory, each finished attempt's work is committed before
 * the run moves on, a gone worktree gives the step up at once, a refusal
 * makes no run, and a worktree whose run could not be saved is taken back.
 */
import { WorkflowNotFoundError } from "./run_errors.ts";
import { assertEquals, assertMatch, assertRejects } from "../testing/assert.ts";
import { BUGFIX_YAML } from "../workflows/testing/specs.ts";
import { RunStartError } from "./run_errors.ts";
import type { WorldEnd, WorldPrompt } from "./testing/fake_world.ts";
import { FakeWorktrees } from "./testing/fake_worktrees.ts";
import { startRunner } from "./testing/runner_harness.ts";

const bugfix = (prompt: WorldPrompt): WorldEnd =>
  prompt.text.startsWith("Triage")
    ? { reply: "STATUS: done\nROOT_CAUSE: off by one" }
    : prompt.text.startsWith("Fix")
    ? { reply: "STATUS: done\nCHANGES: fixed" }
    : { reply: "STATUS: done\nVERIFIED: ok" };

Deno.test("a run in its own worktree: every session there, each attempt's work committed before the run moves on", async () => {
  const worktrees = new FakeWorktrees();
  await using runner = await startRunner({ script: bugfix, worktrees });
  worktrees.sessions = () => runner.world.created.length;
  await runner.install(BUGFIX_YAML);
  const started = await runner.run("bugfix-mini", "fix the count", true);
  assertEquals(started.worktree, {
    path: "/data/worktrees/inst_a/run-1-abcdef",
    branch: "flock/run-1-x",
    base: "main",
    merged: null,
    removed: null,
  });
  const done = await runner.until(started.id, [
    "completed",
    "failed",
    "blocked",
  ]);
  assertEquals(done.status, "completed");
  assertEquals(
    runner.world.created.map((c) => c.directory),
    Array(3).fill("/data/worktrees/inst_a/run-1-abcdef"),
  );
  const ids = done.attempts.map((a) => a.id);
  // A run without one works in the instance's directory, as before.
  const plain = await runner.run("bugfix-mini", "plain");
  assertEquals(plain.worktree, null);
  await runner.until(plain.id, ["completed"]);
  assertEquals(runner.world.created.at(-1)!.directory, null);
  // Each finished attempt's work is committed before the next session (the
  // fake always has something to commit: also before each session, named
  // after the latest ended attempt, and at completion, which is done by now).
  assertEquals(worktrees.commits, [
    "Run #1 of bugfix-mini: work @0",
    `Run #1 of bugfix-mini: triage (attempt ${ids[0]}) @1`,
    `Run #1 of bugfix-mini: triage (attempt ${ids[0]}) @1`,
    `Run #1 of bugfix-mini: fix (attempt ${ids[1]}) @2`,
    `Run #1 of bugfix-mini: fix (attempt ${ids[1]}) @2`,
    `Run #1 of bugfix-mini: verify (attempt ${ids[2]}) @3`,
    `Run #1 of bugfix-mini: verify (attempt ${ids[2]}) @3`,
  ]);
});

Deno.test("a gone worktree gives the step up at once: blocked with the reason, no session, no retry spent", async () => {
  const worktrees = new FakeWorktrees();
  worktrees.gone = "Cannot work in the run's worktree /x as it was removed";
  await using runner = await startRunner({ script: bugfix, worktrees });
  await runner.install(BUGFIX_YAML);
  const started = await runner.run("bugfix-mini", "fix it", true);
  const blocked = await runner.until(started.id, ["blocked", "failed"]);
  assertEquals(blocked.status, "blocked");
  assertMatch(
    blocked.blocked_reason ?? "",
    /^"triage" cannot run: Cannot work in the run's worktree \/x as it was removed$/,
  );
  assertEquals(
    blocked.attempts.map((a) => [a.outcome, a.session_id]),
    [["errored", null]],
  );
  assertEquals(blocked.steps[0]!.retry_count, 0);
  assertEquals(runner.world.created, []);
  // Restored: a person's retry carries it on.
  worktrees.gone = null;
  await runner.services.runs.act(started.id, {
    type: "retry_step",
    step: "triage",
  });
  assertEquals(
    (await runner.until(started.id, ["completed"])).status,
    "completed",
  );
});

Deno.test("a refused worktree makes no run; one whose run cannot be saved is taken back", async () => {
  const worktrees = new FakeWorktrees();
  await using runner = await startRunner({ script: bugfix, worktrees });
  await runner.install(BUGFIX_YAML);
  worktrees.refusal = new RunStartError(
    'Cannot start the run in its own worktree as field "worktree" needs a git repository',
    "worktree_not_git",
    true,
  );
  const refused = await assertRejects(
    () => runner.run("bugfix-mini", "x", true),
    RunStartError,
  );
  assertMatch(refused.message, /field "worktree"/);
  assertEquals(worktrees.made.length, 0);
  worktrees.refusal = null;
  // The workflow is removed while the worktree is being made.
  worktrees.beforeCreate = () =>
    runner.services.workflows.remove("bugfix-mini", Date.now());
  await assertRejects(
    () => runner.run("bugfix-mini", "x", true),
    WorkflowNotFoundError,
  );
  assertEquals(worktrees.discarded, [worktrees.made[0]!.worktree.path]);
  assertEquals(runner.services.runs.list(), []);
});
