/**
 * Moving a run forward: pick the next unit of work (a step, or a story of a
 * loop), start its attempt, enter a gate, finish a loop, complete the run, or
 * give up on a step whose retries are exhausted.
 *
 * A run completes only when every step is done or skipped and every story is
 * done or skipped; {@linkcode advance} checks this before it says so.
 *
 * @module
 */
import { block, failRun, type Tx } from "./decide_tx.ts";
import { rolePermissions } from "./roles.ts";
import {
  agentSpec,
  agentStepSpec,
  type AttemptOutcome,
  type AttemptState,
  liveAttempt,
  loopOfVerifier,
  type RunState,
  stepSpec,
  stepState,
  storyState,
} from "./run_state.ts";
import type {
  AgentStepSpec,
  GateStepSpec,
  LoopStepSpec,
} from "./spec_types.ts";
import {
  engineVariables,
  fillTemplate,
  GATHERED_VARIABLES,
  missingKeys,
  templateContext,
  templateKeys,
} from "./template.ts";

/**
 * Starts the next piece of work when the run is running and nothing is live;
 * completes the run when nothing is left.
 */
export function advance(tx: Tx): void {
  const { state } = tx;
  while (state.status === "running" && liveAttempt(state) === null) {
    const next = state.steps.find((step) =>
      step.status !== "done" && step.status !== "skipped" &&
      loopOfVerifier(state.workflow.spec, step.id) === null
    );
    if (next === undefined) return complete(tx);
    const spec = stepSpec(state, next.id);
    if (spec.type === "gate") return enterGate(tx, spec);
    if (spec.type === "single") return startAttempt(tx, spec, null);
    if (!advanceLoop(tx, spec)) return;
  }
}

/** Works on a loop; returns true when the loop finished and the run may go on. */
function advanceLoop(tx: Tx, loop: LoopStepSpec): boolean {
  const { state } = tx;
  if (!state.storiesPlanned) {
    exhaust(
      tx,
      loop.id,
      null,
      `"${loop.id}" loops over stories, but no earlier step replied with STORIES_JSON`,
    );
    return false;
  }
  const verifyId = loop.loop.verifyStep;
  const verifying = state.stories.find((story) => story.status === "verifying");
  if (verifying !== undefined && verifyId !== null) {
    stepState(state, loop.id).status = "running";
    startAttempt(tx, agentStepSpec(state, verifyId), verifying.id);
    return false;
  }
  const todo = state.stories.find((story) =>
    story.status === "pending" || story.status === "running" ||
    story.status === "verifying"
  );
  if (todo !== undefined) {
    stepState(state, loop.id).status = "running";
    startAttempt(tx, loop, todo.id);
    return false;
  }
  const failed = state.stories.find((story) => story.status === "failed");
  if (failed !== undefined) {
    exhaust(tx, loop.id, failed.id, `story "${failed.id}" failed`);
    return false;
  }
  stepState(state, loop.id).status = "done";
  if (verifyId !== null) stepState(state, verifyId).status = "done";
  return true;
}

function complete(tx: Tx): void {
  const { state } = tx;
  const open = [
    ...state.steps.filter((s) => s.status !== "done" && s.status !== "skipped")
      .map((s) => `step "${s.id}" is ${s.status}`),
    ...state.stories.filter((s) =>
      s.status !== "done" && s.status !== "skipped"
    ).map((s) => `story "${s.id}" is ${s.status}`),
  ];
  if (open.length > 0) {
    failRun(tx, {
      step: state.steps.at(-1)!.id,
      story: null,
      reason: `Cannot complete the run as work is pending: ${open.join(", ")}`,
    });
    return;
  }
  state.status = "completed";
  tx.commands.push({
    type: "notify",
    key: `${state.id}:${++state.notices}`,
    kind: "completed",
    step: null,
    story: null,
    reason: `Run #${state.runNumber} of ${state.workflow.spec.id} completed`,
  });
}

function enterGate(tx: Tx, gate: GateStepSpec): void {
  const { state } = tx;
  stepState(state, gate.id).status = "blocked";
  const context = templateContext(state.context, variablesFor(state, null));
  const missing = missingKeys(gate.input, context);
  let reason: string;
  if (gate.input.trim() === "") {
    reason = `Approval needed at step "${gate.id}"`;
  } else if (missing.length > 0) {
    reason =
      `Approval needed at step "${gate.id}" (its text could not be filled as ${
        missing.length === 1 ? "a key is" : "keys are"
      } missing: ${missing.join(", ")})`;
  } else {
    reason = fillTemplate(gate.input, context).trim();
  }
  block(tx, { kind: "gate", step: gate.id, story: null, reason });
}

function variablesFor(
  state: RunState,
  storyId: string | null,
  gathered: { progress?: string | null; hasFrontendChanges?: boolean } = {},
): Record<string, string> {
  return engineVariables({
    task: state.task,
    runId: state.id,
    story: storyId === null ? null : storyState(state, storyId),
    stories: state.stories,
    verifyFeedback: state.feedback?.text ?? null,
    ...gathered,
  });
}

/** Creates an attempt for a step (and story) and issues its first command. */
export function startAttempt(
  tx: Tx,
  step: AgentStepSpec,
  storyId: string | null,
): void {
  const { state } = tx;
  const number = state.attempts.length + 1;
  const attempt: AttemptState = {
    id: `${state.id}.${number}`,
    number,
    step: step.id,
    story: storyId,
    phase: "preparing",
    outcome: null,
    detail: null,
    sessionId: null,
    prompt: null,
    reply: null,
    startedAt: tx.at,
    endedAt: null,
    deadline: null,
    remainingMs: null,
    tokens: 0,
    cost: 0,
  };
  state.attempts.push(attempt);
  if (step.type === "single") stepState(state, step.id).status = "pending";
  if (storyId !== null) {
    const story = storyState(state, storyId);
    story.status = step.type === "loop" ? "running" : "verifying";
  }
  prepareAttempt(tx, attempt);
}

/**
 * Asks the runner for the template's repository inputs when it uses any
 * (`progress`, `has_frontend_changes`), else fills it at once.
 */
export function prepareAttempt(tx: Tx, attempt: AttemptState): void {
  const { state } = tx;
  attempt.phase = "preparing";
  attempt.prompt = null;
  const keys = templateKeys(agentStepSpec(state, attempt.step).input);
  const needs = GATHERED_VARIABLES.filter((name) => keys.includes(name));
  if (needs.length === 0) return fillAndCreate(tx, attempt, {});
  tx.commands.push({
    type: "gather_inputs",
    attemptId: attempt.id,
    needs: [...needs],
    repo: state.context.repo ?? null,
    branch: state.context.branch ?? null,
  });
}

/**
 * Fills the attempt's template and asks for its session, or, when a key is
 * missing, ends the attempt (no session, no prompt) and gives up on the step.
 */
export function fillAndCreate(
  tx: Tx,
  attempt: AttemptState,
  gathered: { progress?: string | null; hasFrontendChanges?: boolean },
): void {
  const { state } = tx;
  const step = agentStepSpec(state, attempt.step);
  const context = templateContext(
    state.context,
    variablesFor(state, attempt.story, gathered),
  );
  const missing = missingKeys(step.input, context);
  if (missing.length > 0) {
    const detail = `template ${
      missing.length === 1 ? "key" : "keys"
    } missing: ${missing.join(", ")}`;
    endAttempt(tx, attempt, "missing_keys", detail);
    exhaust(tx, step.id, attempt.story, `step "${step.id}": ${detail}`);
    return;
  }
  attempt.prompt = fillTemplate(step.input, context);
  attempt.phase = "creating_session";
  const agent = agentSpec(state, step.agent);
  tx.commands.push({
    type: "create_session",
    attemptId: attempt.id,
    title: attemptTitle(state, attempt),
    agent: agent.id,
    role: agent.role,
    permission: rolePermissions(agent.role),
    model: agent.model,
  });
}

/** The session title: readable, and holding the attempt id so recovery can find it. */
export function attemptTitle(state: RunState, attempt: AttemptState): string {
  const story = attempt.story === null ? "" : ` · ${attempt.story}`;
  return `${state.workflow.spec.id} #${state.runNumber} · ${attempt.step}${story} · ${attempt.id}`;
}

/** Ends an attempt and disarms its timeout. */
export function endAttempt(
  tx: Tx,
  attempt: AttemptState,
  outcome: AttemptOutcome,
  detail: string | null,
): void {
  if (attempt.deadline !== null) {
    tx.commands.push({ type: "cancel_timeout", attemptId: attempt.id });
  }
  attempt.phase = "ended";
  attempt.outcome = outcome;
  attempt.detail = detail;
  attempt.endedAt = tx.at;
  attempt.deadline = null;
  attempt.remainingMs = null;
}

/**
 * Gives up on a step (or a story of a loop) whose retries are exhausted: a
 * person decides when its `on_fail` escalates to a human, otherwise the run
 * fails.
 */
export function exhaust(
  tx: Tx,
  failingStep: string,
  storyId: string | null,
  reason: string,
): void {
  const { state } = tx;
  const step = stepSpec(state, failingStep);
  let owner = failingStep;
  if (storyId !== null) {
    owner = step.type === "loop"
      ? step.id
      : loopOfVerifier(state.workflow.spec, step.id) ?? step.id;
    storyState(state, storyId).status = "failed";
    if (owner !== failingStep) stepState(state, failingStep).status = "waiting";
  }
  stepState(state, owner).status = "failed";
  const escalate = step.type !== "gate" && step.onFail.escalateToHuman;
  if (escalate) {
    block(tx, { kind: "escalation", step: owner, story: storyId, reason });
  } else {
    failRun(tx, { step: owner, story: storyId, reason });
  }
}
