/**
 * The review of a run's own worktree, in process over a real SQLite file,
 * a fake OpenCode world and a fake {@linkcode RunWorktrees}: the refusals
 * that come before any git work (no worktree, a run still active, one
 * already removed), what the runner records once a worktree is merged or
 * removed (kept with the run, `run.updated`), and a removed worktree
 * refusing every action that would set the run working again. The git
 * side (diff, merge, removal) is proven on real git, end to end, by
 * `run_review_e2e_test.ts`.
 */
import { isFlockEvent } from "../contract/event_types.ts";
import { GitRunner } from "../git/git_runner.ts";
import { assertEquals, assertMatch, assertRejects } from "../testing/assert.ts";
import { BUGFIX_YAML } from "../workflows/testing/specs.ts";
import {
  RunActionRefusedError,
  RunNotFoundError,
  RunWorktreeError,
} from "./run_errors.ts";
import { RunReview } from "./run_review.ts";
import type { WorldEnd, WorldPrompt } from "./testing/fake_world.ts";
import { FakeWorktrees } from "./testing/fake_worktrees.ts";
import { startRunner } from "./testing/runner_harness.ts";

const held = (prompt: WorldPrompt): WorldEnd =>
  prompt.text.startsWith("Triage")
    ? { hold: true }
    : { reply: "STATUS: done\nCHANGES: fixed\nVERIFIED: ok" };

async function refusal(
  call: () => Promise<unknown>,
): Promise<{ code: string; message: string }> {
  const error = await assertRejects(call, RunWorktreeError);
  return { code: error.code, message: error.message };
}

Deno.test("a run's worktree review refuses, before any git work, a run without one, a run still running or blocked, and a worktree already removed", async () => {
  const worktrees = new FakeWorktrees();
  await using runner = await startRunner({ script: held, worktrees });
  await runner.install(BUGFIX_YAML);
  // A git runner whose binary does not exist: any git call would fail.
  const review = new RunReview({
    engine: runner.services.runs,
    worktrees,
    git: new GitRunner({ binary: "/nonexistent/flock-test/git" }),
  });

  const plain = await runner.run("bugfix-mini", "plain");
  for (
    const call of [
      () => review.diff(plain.id, "branch"),
      () => review.merge(plain.id),
      () => review.remove(plain.id, true),
    ]
  ) {
    const { code, message } = await refusal(call);
    assertEquals(code, "no_worktree");
    assertMatch(message, /run #1 \(run_[0-9a-f]+\) as it has no worktree/);
  }
  await runner.services.runs.act(plain.id, { type: "stop" });

  const running = await runner.run("bugfix-mini", "fix it", true);
  assertEquals(running.status, "running");
  let refused = await refusal(() => review.merge(running.id));
  assertEquals(refused.code, "run_active");
  assertMatch(
    refused.message,
    /^Cannot merge its branch as run #2 \(run_[0-9a-f]+\) is still running/,
  );
  refused = await refusal(() => review.remove(running.id, true));
  assertEquals(refused.code, "run_active");

  // Blocked: the worktree is gone before the next attempt (a retry).
  worktrees.gone = "Cannot work in the run's worktree /x as it was removed";
  await runner.services.runs.act(running.id, { type: "stop" });
  await runner.services.runs.act(running.id, { type: "resume" });
  await runner.until(running.id, ["blocked"]);
  refused = await refusal(() => review.merge(running.id));
  assertEquals(refused.code, "run_active");
  assertMatch(refused.message, /is blocked, waiting for you/);
  // Its diff: the worktree is gone, and the answer says how to restore it.
  refused = await refusal(() => review.diff(running.id, "branch"));
  assertEquals(refused, {
    code: "worktree_missing",
    message: "Cannot work in the run's worktree /x as it was removed",
  });
  await assertRejects(() => review.merge("run_nope"), RunNotFoundError);
});

Deno.test("once Flock removed a run's worktree, it is kept with the run and shown, and nothing can set the run working again", async () => {
  const worktrees = new FakeWorktrees();
  await using runner = await startRunner({ script: held, worktrees });
  await runner.install(BUGFIX_YAML);
  const run = await runner.run("bugfix-mini", "fix it", true);
  await runner.services.runs.act(run.id, { type: "stop" });
  const merged = { commit: "c0ffee12", at: "2026-12-01T10:00:00.000Z" };
  const removed = { at: "2026-12-01T10:00:01.000Z", branchDeleted: true };
  // A failed piece of work records nothing.
  const failed = await assertRejects(
    () =>
      runner.services.runs.withWorktree(run.id, () => {
        throw new Error("git said no");
      }),
    Error,
  );
  assertEquals(failed.message, "git said no");
  assertEquals(runner.services.runs.get(run.id)!.worktree!.removed, null);
  const answer = await runner.services.runs.withWorktree(
    run.id,
    (record) =>
      Promise.resolve({
        result: record.worktree!.branch,
        finished: { merged, removed },
      }),
  );
  assertEquals(answer, "flock/run-1-x");
  const shown = {
    path: "/data/worktrees/inst_a/run-1-abcdef",
    branch: "flock/run-1-x",
    base: "main",
    merged,
    removed: { at: removed.at, branch_deleted: true },
  };
  assertEquals(runner.services.runs.get(run.id)!.worktree, shown);
  assertEquals(runner.services.runs.list()[0]!.worktree, shown);
  await runner.untilEvent((e) =>
    isFlockEvent(e) && e.type === "run.updated" &&
    e.properties.run.worktree?.removed?.branch_deleted === true
  );
  for (
    const action of [
      { type: "resume" },
      { type: "retry_step", step: "triage" },
      { type: "skip_step", step: "triage" },
    ] as const
  ) {
    const error = await assertRejects(
      () => runner.services.runs.act(run.id, action),
      RunActionRefusedError,
    );
    assertMatch(
      error.message,
      /^Cannot (resume|retry a step of|skip a step of) run #1 as its worktree \/data\/worktrees\/inst_a\/run-1-abcdef was removed after its branch flock\/run-1-x was merged into main; start a new run instead$/,
    );
  }
  assertEquals(runner.services.runs.get(run.id)!.status, "cancelled");
  // The review says so too.
  const review = new RunReview({
    engine: runner.services.runs,
    worktrees,
    git: new GitRunner({ binary: "/nonexistent/flock-test/git" }),
  });
  const refused = await refusal(() => review.merge(run.id));
  assertEquals(refused.code, "worktree_removed");
  assertMatch(
    refused.message,
    /^Cannot merge run #1 \(run_[0-9a-f]+\) as its worktree \/data\/worktrees\/inst_a\/run-1-abcdef was removed after its branch was merged into main \(now at c0ffee12\)$/,
  );
});
