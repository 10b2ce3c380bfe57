import { assertEquals, assertMatch } from "../testing/assert.ts";
import { play } from "../workflows/testing/run_steps.ts";
import { FEATURE_YAML, newRun } from "../workflows/testing/specs.ts";
import {
  runBranchName,
  shellWord,
  workCommitMessage,
  worktreeDirectory,
  worktreeGoneReason,
} from "./run_worktree_names.ts";

Deno.test("a run's branch is named after its number and the first words of its task", () => {
  assertEquals(
    runBranchName(3, "Add a greeting command!"),
    "flock/run-3-add-a-greeting-command",
  );
  assertEquals(
    runBranchName(3, "Add it", "a1b2c3"),
    "flock/run-3-add-it-a1b2c3",
  );
  assertEquals(
    runBranchName(12, "\n\n  Café au lait\nsecond line"),
    "flock/run-12-cafe-au-lait",
  );
  assertEquals(runBranchName(4, "!!! ???"), "flock/run-4");
  assertEquals(runBranchName(4, ""), "flock/run-4");
  const long = runBranchName(5, "word ".repeat(30));
  assertEquals(long.length <= "flock/run-5-".length + 40, true);
  assertMatch(long, /^flock\/run-5-word(-word)*$/);
  // Nothing a task says can make a ref git would refuse.
  assertMatch(
    runBranchName(6, "-x ..\\lock @{u} ~^:?*[ main.lock/"),
    /^flock\/run-6-[a-z0-9-]+[a-z0-9]$/,
  );
});

Deno.test("a run's sessions work at the instance's place inside the worktree", () => {
  assertEquals(worktreeDirectory("/r", "/w/run-1", "/r"), "/w/run-1");
  assertEquals(worktreeDirectory("/r/", "/w/run-1/", "/r/"), "/w/run-1");
  assertEquals(
    worktreeDirectory("/r", "/w/run-1", "/r/pkg/a"),
    "/w/run-1/pkg/a",
  );
  // A sibling that only shares the prefix is not inside.
  assertEquals(worktreeDirectory("/r", "/w/run-1", "/rx/pkg"), "/w/run-1");
});

Deno.test("the commit of an attempt's work names the run, the step and the task", () => {
  const started = play(newRun(FEATURE_YAML), { type: "start" });
  assertEquals(
    workCommitMessage(started).split("\n")[0],
    "Run #1 of feature-mini: work",
  );
  const planned = play(started, (s) => ({
    type: "attempt_errored",
    attemptId: s.attempts[0]!.id,
    message: "boom",
  }));
  const message = workCommitMessage({
    ...planned,
    task: "\nAdd a greeting\nmore",
  });
  assertEquals(message.split("\n"), [
    "Run #1 of feature-mini: plan (attempt run1.1)",
    "",
    "Task: Add a greeting",
    "Committed by Flock: what the run's agents left uncommitted.",
  ]);
});

Deno.test("a gone worktree's reason says how to restore it, quoted for a shell", () => {
  assertEquals(shellWord("/a/b-c_d.e"), "/a/b-c_d.e");
  assertEquals(shellWord("/a b/it's"), `'/a b/it'\\''s'`);
  const reason = worktreeGoneReason({
    path: "/data/wt/run 1",
    branch: "flock/run-1-x",
    base: "main",
    repo: "/r",
  }, "it was removed");
  assertEquals(
    reason,
    "Cannot work in the run's worktree /data/wt/run 1 as it was removed; its branch flock/run-1-x keeps what was committed. To carry on, restore it (git -C /r worktree prune && git -C /r worktree add '/data/wt/run 1' flock/run-1-x) and retry the step, or stop the run",
  );
});
