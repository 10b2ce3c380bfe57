/**
 * What a person can do to a run: stop, resume, and retry, skip or approve a
 * step. Each is refused (the API's 409) when the run's state does not allow
 * it, with a message that says what would.
 *
 * On a loop step, retry, skip and approve act on its current story (the one
 * that is blocked, failed or live), so one bad story does not end the loop.
 *
 * @module
 */
import { advance, endAttempt } from "./advance.ts";
import type { RunEvent } from "./decide_types.ts";
import { reject, type Tx } from "./decide_tx.ts";
import {
  type AttemptState,
  liveAttempt,
  loopOfVerifier,
  stepState,
  storyState,
} from "./run_state.ts";

/** The events a person sends. */
export type PersonEvent = Extract<
  RunEvent,
  { type: "stop" | "resume" | "retry_step" | "skip_step" | "approve" }
>;

/** Applies a person's action. */
export function onPersonEvent(tx: Tx, event: PersonEvent): void {
  switch (event.type) {
    case "stop":
      return stop(tx);
    case "resume":
      return resume(tx);
    case "retry_step":
    case "skip_step":
    case "approve":
      return onStepAction(tx, event.type, event.step);
  }
}

function runLabel(tx: Tx): string {
  return `run #${tx.state.runNumber}`;
}

function stop(tx: Tx): void {
  const { state } = tx;
  if (state.status !== "running" && state.status !== "blocked") {
    reject(`Cannot stop ${runLabel(tx)} as it is ${state.status}`);
  }
  const live = liveAttempt(state);
  if (live !== null) abortLive(tx, live, "stopped by a person");
  for (const step of state.steps) {
    if (["running", "pending", "blocked"].includes(step.status)) {
      step.status = "pending";
    }
  }
  state.status = "cancelled";
  state.blocked = null;
}

function resume(tx: Tx): void {
  const { state } = tx;
  if (state.status === "blocked") {
    reject(
      `Cannot resume ${
        runLabel(tx)
      } as it is blocked at step "${state.blocked?.step}": approve, retry or skip it`,
    );
  }
  if (state.status !== "cancelled" && state.status !== "failed") {
    reject(`Cannot resume ${runLabel(tx)} as it is ${state.status}`);
  }
  for (const step of state.steps) {
    if (step.status === "failed" || step.status === "pending") {
      step.status = "waiting";
      step.retryCount = 0;
      step.reworkCount = 0;
    }
  }
  for (const story of state.stories) {
    if (story.status === "failed") {
      story.status = "pending";
      story.retryCount = 0;
    }
  }
  state.status = "running";
  state.failure = null;
  advance(tx);
}

/** Ends the live attempt on a person's word and aborts its session. */
function abortLive(tx: Tx, attempt: AttemptState, detail: string): void {
  const sessionId = attempt.sessionId;
  endAttempt(tx, attempt, "aborted", detail);
  if (sessionId !== null) {
    tx.commands.push({
      type: "abort_session",
      attemptId: attempt.id,
      sessionId,
    });
  }
  if (attempt.story !== null) {
    const story = storyState(tx.state, attempt.story);
    if (story.status === "running") story.status = "pending";
  }
}

/** What a step action applies to: why the step is held, and its story. */
interface Target {
  kind: "gate" | "escalation" | "input" | "failure" | "live";
  story: string | null;
  live: AttemptState | null;
}

function targetOf(tx: Tx, step: string): Target | null {
  const { state } = tx;
  const live = liveAttempt(state);
  const owns = live !== null &&
    (live.step === step ||
      loopOfVerifier(state.workflow.spec, live.step) === step);
  if (state.status === "blocked" && state.blocked?.step === step) {
    const kind = state.blocked.kind;
    return { kind, story: state.blocked.story, live: owns ? live : null };
  }
  if (state.status === "failed" && state.failure?.step === step) {
    return { kind: "failure", story: state.failure.story, live: null };
  }
  if (state.status === "running" && owns) {
    return { kind: "live", story: live.story, live };
  }
  return null;
}

function onStepAction(
  tx: Tx,
  action: "retry_step" | "skip_step" | "approve",
  step: string,
): void {
  const { state } = tx;
  if (!state.steps.some((s) => s.id === step)) {
    reject(`There is no step "${step}" in ${runLabel(tx)}`);
  }
  const verb = action === "retry_step"
    ? "retry"
    : action === "skip_step"
    ? "skip"
    : "approve";
  const target = targetOf(tx, step);
  if (target === null) {
    reject(
      `Cannot ${verb} step "${step}" as it is ${
        stepState(state, step).status
      } and ${runLabel(tx)} is ${state.status}`,
    );
  }
  if (
    action === "approve" && target.kind !== "gate" &&
    target.kind !== "escalation" && target.kind !== "failure"
  ) {
    reject(`Cannot approve step "${step}" as it does not wait for approval`);
  }
  if (action === "retry_step" && target.kind === "gate") {
    reject(`Cannot retry step "${step}" as it is a gate: approve or skip it`);
  }
  const live = target.live;
  if (live !== null) {
    abortLive(
      tx,
      live,
      `${verb === "retry" ? "retried" : "skipped"} by a person`,
    );
  }
  if (target.story !== null) {
    const story = storyState(state, target.story);
    const verifying = live !== null &&
      loopOfVerifier(state.workflow.spec, live.step) !== null;
    if (verifying) stepState(state, live.step).status = "waiting";
    if (action === "retry_step") {
      story.status = verifying ? "verifying" : "pending";
      story.retryCount = 0;
    } else {
      story.status = action === "approve" ? "done" : "skipped";
      clearLoopFeedback(tx);
    }
  } else if (action === "retry_step") {
    const s = stepState(state, step);
    s.status = "pending";
    s.retryCount = 0;
    s.reworkCount = 0;
  } else {
    stepState(state, step).status = action === "approve" ? "done" : "skipped";
    if (state.feedback?.from === step) state.feedback = null;
  }
  state.status = "running";
  state.blocked = null;
  state.failure = null;
  advance(tx);
}

/** A story was accepted or skipped: its verifier's feedback no longer applies. */
function clearLoopFeedback(tx: Tx): void {
  const { state } = tx;
  const from = state.feedback?.from;
  if (
    from !== undefined && loopOfVerifier(state.workflow.spec, from) !== null
  ) {
    state.feedback = null;
  }
}
