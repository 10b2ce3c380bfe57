/**
 * Whole runs driven by scripted replies through `decide` (the runner played
 * by `ScriptedRunner`): a feature-dev run with a two-story loop and one
 * verify retry, and escalations a person resolves. Antfarm's own three
 * workflows run in `decide_simulation_e2e_test.ts` (extracting them starts
 * git).
 */
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import { replayAfterCrash } from "./decide_types.ts";
import { runEventsBetween, toRunJson } from "./run_json.ts";
import { type RunState } from "./run_state.ts";
import { type Script, ScriptedRunner } from "./testing/scripted_runner.ts";
import {
  BUGFIX_YAML,
  FEATURE_YAML,
  newRun,
  storiesJson,
} from "./testing/specs.ts";
import { attemptLines, FEATURE_ATTEMPTS } from "./testing/attempt_lines.ts";

/** Plays antfarm's feature-dev roles: one verify retry on S-1, everything else passes. */
const featureScript: Script = (unit) => {
  switch (unit.step) {
    case "plan":
      return {
        reply:
          `STATUS: done\nREPO: /repo\nBRANCH: feat-greeting\nSTORIES_JSON: ${
            storiesJson(2)
          }`,
        cost: 0.1,
      };
    case "setup":
      return {
        reply:
          "STATUS: done\nBUILD_CMD: npm run build\nTEST_CMD: npm test\nCI_NOTES: none\nBASELINE: green",
      };
    case "implement":
      return {
        reply:
          `STATUS: done\nCHANGES: implemented ${unit.story} (try ${unit.nth})\nTESTS: added`,
      };
    case "verify":
      return unit.story === "S-1" && unit.nth === 1
        ? { reply: "STATUS: retry\nISSUES:\n- S-1 has no test" }
        : { reply: `STATUS: done\nVERIFIED: ${unit.story} ok` };
    case "test":
      return { reply: "STATUS: done\nRESULTS: 12 passed" };
    case "pr":
      return { reply: "STATUS: done\nPR: https://example.test/pr/1" };
    case "review":
      return { reply: "STATUS: done\nDECISION: approved" };
  }
  throw new Error(`No script for ${unit.step}`);
};

Deno.test("a feature-dev run: plan, setup, two stories with one verify retry, test, pr, review, completed", () => {
  const runner = new ScriptedRunner(newRun(FEATURE_YAML), featureScript);
  runner.send({ type: "start", at: 0 });
  const { state } = runner;
  assertEquals(state.status, "completed");
  assertEquals(attemptLines(state), FEATURE_ATTEMPTS);
  // each attempt had its own session and exactly one prompt
  assertEquals(runner.sessions.length, 11);
  assertEquals(new Set(state.attempts.map((a) => a.sessionId)).size, 11);
  assertEquals(runner.prompts.length, 11);
  // the retry carried the verifier's ISSUES, and only the retry did
  const implement = runner.prompts.filter((p) => p.step === "implement");
  assertMatch(implement[1]!.prompt, /Feedback: - S-1 has no test/);
  assertMatch(implement[0]!.prompt, /Feedback: \n/);
  assertMatch(implement[2]!.prompt, /Feedback: \n/);
  assertMatch(implement[2]!.prompt, /Done so far: - S-1: Story 1 \(1 left\)/);
  assertMatch(
    implement[0]!.prompt,
    /Story S-1: Story 1\n\nDo part 1\.\n\nAcceptance Criteria:\n {2}1\. Part 1 works/,
  );
  // roles: the verifier, tester and reviewer cannot write
  const roles = runner.sessions.map((s) =>
    `${s.agent}:${s.permission.length ? "ro" : "rw"}`
  );
  assertEquals(
    new Set(roles),
    new Set([
      "planner:ro",
      "setup:rw",
      "developer:rw",
      "verifier:ro",
      "tester:ro",
      "reviewer:ro",
    ]),
  );
  assertEquals(
    state.stories.map((s) => `${s.id}:${s.status}/${s.retryCount}`),
    ["S-1:done/1", "S-2:done/0"],
  );
  assertEquals(state.context.pr, "https://example.test/pr/1");
  assertEquals(state.context.test_cmd, "npm test");
  assertEquals(state.feedback, null);
  assertEquals(runner.notices.map((n) => n.kind), ["completed"]);
  assertEquals(runner.aborted, []);
  assertEquals(runner.timers.size, 0, "every timeout was disarmed");
  const json = toRunJson(state);
  assertEquals(json.cost, 0.1);
  assertEquals(json.steps.map((s) => s.status), Array(7).fill("done"));
  assertEquals(json.attempts.length, 11);
});

Deno.test("the run's events come in order: step and story updates, then run.updated", () => {
  const runner = new ScriptedRunner(newRun(FEATURE_YAML), featureScript);
  runner.send({ type: "start", at: 0 });
  let before: RunState | null = null;
  const types: string[] = [];
  const runStatuses: string[] = [];
  for (const { decision } of runner.applied) {
    if (decision.rejected !== null) continue;
    const events = runEventsBetween(before, decision.state);
    assert(events.length > 0);
    assertEquals(events.at(-1)!.type, "run.updated");
    for (const event of events) {
      types.push(event.type);
      if (event.type === "run.updated") {
        runStatuses.push(event.properties.run.status);
      }
    }
    before = decision.state;
  }
  assertEquals(runStatuses.at(-1), "completed");
  assert(types.includes("story.updated"));
  assertEquals(runStatuses.filter((s) => s !== "running"), ["completed"]);
});

Deno.test("a failure that exhausts its retries blocks the run; approve carries it on", () => {
  const runner = new ScriptedRunner(newRun(BUGFIX_YAML), (unit) => {
    if (unit.step === "triage") {
      return { reply: "STATUS: done\nROOT_CAUSE: null deref" };
    }
    if (unit.step === "fix") return { error: "ProviderError: overloaded" };
    return { reply: "STATUS: done\nVERIFIED: fine" };
  });
  runner.send({ type: "start", at: 0 });
  assertEquals(runner.state.status, "blocked");
  assertEquals(
    runner.state.blocked?.reason,
    '"fix" failed 3 times; the last attempt: ProviderError: overloaded',
  );
  assertEquals(runner.notices.map((n) => `${n.kind}:${n.step}`), [
    "blocked:fix",
  ]);
  assertEquals(
    toRunJson(runner.state).blocked_reason,
    runner.state.blocked?.reason,
  );
  // a person accepts it as done: verify then runs, but needs CHANGES, which fix never gave
  runner.send({ type: "approve", at: runner.tick(), step: "fix" });
  assertEquals(runner.state.status, "blocked");
  assertEquals(
    runner.state.blocked?.reason,
    'step "verify": template key missing: changes',
  );
  runner.send({ type: "skip_step", at: runner.tick(), step: "verify" });
  assertEquals(runner.state.status, "completed");
});

Deno.test("a failure that exhausts its retries blocks the run; retry carries it on", () => {
  let failing = true;
  const runner = new ScriptedRunner(newRun(BUGFIX_YAML), (unit) => {
    if (unit.step === "triage") return { reply: "STATUS: done\nROOT_CAUSE: x" };
    if (unit.step === "fix") {
      return failing
        ? { reply: "STATUS: failed\nREASON: tests red" }
        : { reply: "STATUS: done\nCHANGES: fixed" };
    }
    return { reply: "STATUS: done" };
  });
  runner.send({ type: "start", at: 0 });
  assertEquals(runner.state.status, "blocked");
  failing = false;
  runner.send({ type: "retry_step", at: runner.tick(), step: "fix" });
  assertEquals(runner.state.status, "completed");
  assertEquals(attemptLines(runner.state), [
    "triage:passed",
    "fix:failed",
    "fix:failed",
    "fix:failed",
    "fix:passed",
    "verify:passed",
  ]);
});

Deno.test("stop aborts the live session and ends in cancelled; resume finishes the run", () => {
  const runner = new ScriptedRunner(
    newRun(FEATURE_YAML),
    (unit) =>
      unit.step === "setup" && unit.nth === 1
        ? { hang: true }
        : featureScript(unit),
  );
  runner.send({ type: "start", at: 0 });
  assertEquals(runner.state.status, "running");
  const session = runner.state.attempts[1]!.sessionId!;
  runner.send({ type: "stop", at: runner.tick() });
  assertEquals(runner.state.status, "cancelled");
  assertEquals(runner.aborted, [session]);
  assertEquals(runner.timers.size, 0);
  runner.send({ type: "resume", at: runner.tick() });
  assertEquals(runner.state.status, "completed");
  assertEquals(runner.state.attempts[1]!.outcome, "aborted");
});

Deno.test("replayAfterCrash: only idempotent, attempt-free commands are replayed", () => {
  assertEquals(
    replayAfterCrash({ type: "abort_session", attemptId: "a", sessionId: "s" }),
    true,
  );
  assertEquals(
    replayAfterCrash({
      type: "notify",
      key: "k",
      kind: "blocked",
      step: null,
      story: null,
      reason: "r",
    }),
    true,
  );
  assertEquals(
    replayAfterCrash({ type: "cancel_timeout", attemptId: "a" }),
    false,
  );
  assertEquals(
    replayAfterCrash({
      type: "send_prompt",
      attemptId: "a",
      sessionId: "s",
      system: "",
      text: "",
    }),
    false,
  );
});
