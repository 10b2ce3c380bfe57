import { assert, assertEquals } from "../testing/assert.ts";
import {
  runEventsBetween,
  toRunJson,
  toRunSummaryJson,
  toWorkflowJson,
} from "./run_json.ts";
import { play, replies, reply, toRunning } from "./testing/run_steps.ts";
import {
  FEATURE_YAML,
  GATED_YAML,
  newRun,
  storiesJson,
} from "./testing/specs.ts";
import { loadWorkflow } from "./workflow_loader.ts";

const PLAN = `STATUS: done\nREPO: /r\nBRANCH: b\nSTORIES_JSON: ${
  storiesJson(2)
}`;

Deno.test("toRunJson has every field of the contract, in API words", () => {
  const state = toRunning(play(newRun(FEATURE_YAML), { type: "start" }));
  const finished = play(state, (s) => ({
    type: "attempt_finished",
    attemptId: s.attempts[0]!.id,
    reply: PLAN,
    tokens: 900,
    cost: 0.02,
  }));
  const json = toRunJson(finished);
  assertEquals(Object.keys(json).sort(), [
    "attempts",
    "blocked_reason",
    "context",
    "cost",
    "created_at",
    "failure_reason",
    "id",
    "instance_id",
    "run_number",
    "status",
    "steps",
    "stories",
    "task",
    "updated_at",
    "workflow",
    "workflow_version",
    "worktree",
  ]);
  assertEquals(json.workflow, "feature-mini");
  assertEquals(json.worktree, null);
  assertEquals(json.created_at, "1970-01-01T00:00:00.000Z");
  assertEquals(json.cost, 0.02);
  assertEquals(json.steps[0], {
    id: "plan",
    type: "single",
    agent: "planner",
    status: "done",
    retry_count: 0,
    rework_count: 0,
    output: PLAN,
  });
  assertEquals(json.stories[0], {
    id: "S-1",
    title: "Story 1",
    description: "Do part 1.",
    acceptance_criteria: ["Part 1 works", "Typecheck passes"],
    status: "pending",
    retry_count: 0,
    origin: "plan",
  });
  assertEquals(json.attempts[0], {
    id: "run1.1",
    number: 1,
    step: "plan",
    story: null,
    session_id: "ses_1",
    outcome: "passed",
    detail: null,
    tokens: 900,
    cost: 0.02,
    started_at: "1970-01-01T00:00:01.000Z",
    ended_at: "1970-01-01T00:00:04.000Z",
  });
  assertEquals(json.attempts[1]!.outcome, null);
});

Deno.test("a run in its own worktree shows it in its JSON and its summary", () => {
  const worktree = {
    path: "/data/wt/run-1-ab",
    branch: "flock/run-1",
    base: "main",
    merged: null,
    removed: null,
  };
  const state = { ...play(newRun(FEATURE_YAML), { type: "start" }), worktree };
  assertEquals(toRunJson(state).worktree, worktree);
  assertEquals(toRunSummaryJson(state).worktree, worktree);
  const finished = {
    ...state,
    worktree: {
      ...worktree,
      merged: { commit: "c0ffee", at: "2026-12-01T10:00:00.000Z" },
      removed: { at: "2026-12-01T10:00:01.000Z", branchDeleted: true },
    },
  };
  assertEquals(toRunJson(finished).worktree, {
    ...worktree,
    merged: { commit: "c0ffee", at: "2026-12-01T10:00:00.000Z" },
    removed: { at: "2026-12-01T10:00:01.000Z", branch_deleted: true },
  });
  assert(toRunJson(state).worktree !== worktree, "a copy, not the state's own");
});

Deno.test("the summary says where the run is", () => {
  const gate = reply(
    play(newRun(GATED_YAML), { type: "start" }),
    "STATUS: done\nTITLE: v1",
  );
  const summary = toRunSummaryJson(gate);
  assertEquals([summary.status, summary.current_step, summary.blocked_reason], [
    "blocked",
    "approval",
    "Ship v1?",
  ]);
  const loop = replies(
    play(newRun(FEATURE_YAML), { type: "start" }),
    PLAN,
    "STATUS: done\nTEST_CMD: t",
  );
  const inLoop = toRunSummaryJson(loop);
  assertEquals(
    [inLoop.current_step, inLoop.stories_done, inLoop.stories_total],
    ["implement", 0, 2],
  );
  const cancelled = play(loop, { type: "stop" });
  assertEquals(toRunSummaryJson(cancelled).current_step, null);
});

Deno.test("runEventsBetween: changed steps, stories and attempts, then run.updated", () => {
  const started = play(newRun(FEATURE_YAML), { type: "start" });
  assertEquals(runEventsBetween(null, started).map((e) => e.type), [
    ...Array(7).fill("step.updated"),
    "attempt.updated",
    "run.updated",
  ]);
  const running = toRunning(started);
  const planned = reply(running, PLAN);
  const events = runEventsBetween(running, planned);
  assertEquals(
    events.map((e) =>
      e.type === "step.updated"
        ? `step ${e.properties.step.id}:${e.properties.step.status}`
        : e.type === "story.updated"
        ? `story ${e.properties.story.id}:${e.properties.story.status}`
        : e.type === "run.updated"
        ? `run ${e.properties.run.status}`
        : e.type
    ),
    [
      "step plan:done",
      "step setup:pending",
      "story S-1:pending",
      "story S-2:pending",
      "attempt.updated",
      "attempt.updated",
      "run running",
    ],
  );
  assertEquals(events.every((e) => e.instance_id === "inst1"), true);
  assertEquals(runEventsBetween(planned, planned), []);
  // an attempt's progress alone (prompt sent) is still news for the run page
  const attemptId = planned.attempts[1]!.id;
  const created = play(planned, {
    type: "session_created",
    attemptId,
    sessionId: "ses_x",
  });
  assertEquals(runEventsBetween(planned, created).map((e) => e.type), [
    "attempt.updated",
    "run.updated",
  ]);
});

Deno.test("toWorkflowJson lists agents, steps, warnings and the source", async () => {
  const loaded = await loadWorkflow({
    yaml: FEATURE_YAML,
    dir: "/w/workflows/feature-mini",
    readTextFile: () => Promise.resolve("text"),
  });
  const json = toWorkflowJson(loaded, 0);
  assertEquals(json.steps.find((s) => s.id === "implement"), {
    id: "implement",
    type: "loop",
    agent: "developer",
    verify_step: "verify",
    retry_step: null,
  });
  assertEquals(
    json.steps.find((s) => s.id === "review")!.retry_step,
    "implement",
  );
  assertEquals(json.agents[2], {
    id: "developer",
    name: "developer",
    role: "coding",
    description: null,
    files: ["AGENTS.md", "SOUL.md"],
  });
  assertEquals(json.warnings.length, 1);
  assertEquals(json.path, "/w/workflows/feature-mini");
  assertEquals(json.installed_at, "1970-01-01T00:00:00.000Z");
});
