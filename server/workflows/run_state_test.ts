import { assertEquals, assertThrows } from "../testing/assert.ts";
import { loadWorkflow } from "./workflow_loader.ts";
import {
  agentSpec,
  agentStepSpec,
  createRunState,
  firstLoopIndex,
  isTerminal,
  liveAttempt,
  loopOfVerifier,
  pinWorkflow,
  stepSpec,
  stepState,
  storyState,
} from "./run_state.ts";
import {
  FEATURE_YAML,
  GATED_YAML,
  newRun,
  workflowOf,
} from "./testing/specs.ts";

Deno.test("a new run has every step waiting, the spec's context, nothing live", () => {
  const yaml = GATED_YAML.replace(
    "agents:",
    "context: { Team: core }\nagents:",
  );
  const state = createRunState({
    id: "r",
    runNumber: 4,
    instanceId: "i",
    workflow: workflowOf(yaml),
    task: "t",
    at: 5,
  });
  assertEquals(state.status, "running");
  assertEquals(state.steps.map((s) => `${s.id}:${s.status}`), [
    "write:waiting",
    "approval:waiting",
    "check:waiting",
  ]);
  assertEquals(state.context, { team: "core" });
  assertEquals([state.createdAt, state.updatedAt, state.storiesPlanned], [
    5,
    5,
    false,
  ]);
  assertEquals(liveAttempt(state), null);
});

Deno.test("pinWorkflow keeps the spec and each agent's system text", async () => {
  const loaded = await loadWorkflow({
    yaml:
      `id: p\nname: P\nversion: 3\nagents:\n  - { id: a, role: coding, workspace: { files: { AGENTS.md: a.md } } }\n  - { id: b, role: pr }\nsteps: [{ id: s, agent: a, input: x }]`,
    dir: "/w",
    readTextFile: () => Promise.resolve("  Be brief.  \n"),
  });
  const pinned = pinWorkflow(loaded);
  assertEquals(pinned.spec.version, 3);
  assertEquals(pinned.systems, {
    a: '<file name="AGENTS.md">\nBe brief.\n</file>',
    b: "",
  });
});

Deno.test("lookups by id, and their errors for unknown ids", () => {
  const state = newRun(FEATURE_YAML);
  assertEquals(stepSpec(state, "verify").type, "single");
  assertEquals(agentStepSpec(state, "implement").type, "loop");
  assertEquals(agentSpec(state, "tester").role, "testing");
  assertEquals(stepState(state, "pr").status, "waiting");
  assertEquals(loopOfVerifier(state.workflow.spec, "verify"), "implement");
  assertEquals(loopOfVerifier(state.workflow.spec, "test"), null);
  assertEquals(firstLoopIndex(state.workflow.spec), 2);
  assertThrows(() => stepSpec(state, "x"), RangeError);
  assertThrows(() => agentSpec(state, "x"), RangeError);
  assertThrows(() => stepState(state, "x"), RangeError);
  assertThrows(() => storyState(state, "x"), RangeError);
  const gated = newRun(GATED_YAML);
  assertThrows(() => agentStepSpec(gated, "approval"), RangeError);
  assertEquals(firstLoopIndex(gated.workflow.spec), -1);
  assertEquals(
    (["running", "blocked", "completed", "failed", "cancelled"] as const).map(
      isTerminal,
    ),
    [
      false,
      false,
      true,
      true,
      true,
    ],
  );
});
