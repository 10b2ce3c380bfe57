/**
 * An attempt's life, as the runner reports it: inputs gathered, session
 * created, prompt sent, idle with a reply, error, timeout, a person's input
 * needed, and what recovery found after a restart.
 *
 * An event for an attempt that is not live (unknown, or already ended) is
 * refused: a finished attempt is never judged twice.
 *
 * @module
 */
import {
  endAttempt,
  exhaust,
  fillAndCreate,
  prepareAttempt,
} from "./advance.ts";
import type { RunEvent } from "./decide_types.ts";
import { block, reject, type Tx } from "./decide_tx.ts";
import { onFailed, onReply, requeue } from "./outcomes.ts";
import { agentTimeoutMs } from "./roles.ts";
import {
  agentSpec,
  agentStepSpec,
  type AttemptPhase,
  type AttemptState,
  stepState,
} from "./run_state.ts";

/** Events about one attempt. */
export type AttemptEvent = Extract<RunEvent, { attemptId: string }>;

/** Applies an event about an attempt. */
export function onAttemptEvent(tx: Tx, event: AttemptEvent): void {
  const attempt = tx.state.attempts.find((a) => a.id === event.attemptId);
  if (attempt === undefined) reject(`There is no attempt "${event.attemptId}"`);
  if (attempt.phase === "ended") {
    reject(`Attempt "${attempt.id}" has already ended (${attempt.outcome})`);
  }
  switch (event.type) {
    case "inputs_gathered":
      expectPhase(attempt, ["preparing"], event.type);
      return fillAndCreate(tx, attempt, {
        progress: event.progress,
        hasFrontendChanges: event.hasFrontendChanges,
      });
    case "session_created":
      expectPhase(attempt, ["creating_session"], event.type);
      return sendPrompt(tx, attempt, event.sessionId);
    case "prompt_sent":
      expectPhase(attempt, ["prompting"], event.type);
      return markRunning(tx, attempt);
    case "attempt_finished":
      expectPhase(
        attempt,
        ["prompting", "running", "waiting_input"],
        event.type,
      );
      return finish(tx, attempt, event.reply, event.tokens, event.cost);
    case "attempt_errored":
      if (event.giveUp === true) return giveUp(tx, attempt, event.message);
      return fail(tx, attempt, "errored", event.message);
    case "attempt_timed_out":
      expectPhase(attempt, ["running"], event.type);
      if (attempt.deadline === null || tx.at < attempt.deadline) {
        reject(`Attempt "${attempt.id}" is not due to time out yet`);
      }
      return fail(
        tx,
        attempt,
        "timed_out",
        `timed out after ${timeoutMinutes(tx, attempt)} minutes`,
      );
    case "attempt_input_requested":
      expectPhase(attempt, ["running"], event.type);
      return waitForInput(tx, attempt, event.request);
    case "attempt_input_answered":
      expectPhase(attempt, ["waiting_input"], event.type);
      return resumeFromInput(tx, attempt);
    case "attempt_reconciled":
      return reconcile(tx, attempt, event.observed);
  }
}

function expectPhase(
  attempt: AttemptState,
  phases: readonly AttemptPhase[],
  type: string,
): void {
  if (!phases.includes(attempt.phase)) {
    reject(
      `Cannot apply ${type} to attempt "${attempt.id}" as it is ${attempt.phase}`,
    );
  }
}

function sendPrompt(tx: Tx, attempt: AttemptState, sessionId: string): void {
  const step = agentStepSpec(tx.state, attempt.step);
  attempt.sessionId = sessionId;
  attempt.phase = "prompting";
  attempt.deadline = null;
  tx.commands.push({
    type: "send_prompt",
    attemptId: attempt.id,
    sessionId,
    system: tx.state.workflow.systems[step.agent] ?? "",
    text: attempt.prompt ?? "",
  });
}

function markRunning(tx: Tx, attempt: AttemptState): void {
  attempt.phase = "running";
  if (attempt.deadline === null) {
    attempt.deadline = tx.at + timeoutMs(tx, attempt);
  }
  tx.commands.push({
    type: "schedule_timeout",
    attemptId: attempt.id,
    deadline: attempt.deadline,
  });
  markStep(tx, attempt, "running");
}

/** Sets the status of the attempt's step, when it is a single step (a loop keeps "running"). */
function markStep(
  tx: Tx,
  attempt: AttemptState,
  status: "pending" | "running" | "blocked",
): void {
  const step = agentStepSpec(tx.state, attempt.step);
  if (step.type === "single") stepState(tx.state, step.id).status = status;
}

function timeoutMs(tx: Tx, attempt: AttemptState): number {
  const step = agentStepSpec(tx.state, attempt.step);
  return agentTimeoutMs(agentSpec(tx.state, step.agent));
}

function timeoutMinutes(tx: Tx, attempt: AttemptState): number {
  return Math.round(timeoutMs(tx, attempt) / 60_000);
}

/** Leaves a wait for a person's input (the run goes back to running). */
function leaveInput(tx: Tx, attempt: AttemptState): void {
  if (attempt.phase !== "waiting_input") return;
  tx.state.status = "running";
  tx.state.blocked = null;
  attempt.remainingMs = null;
}

function finish(
  tx: Tx,
  attempt: AttemptState,
  reply: string,
  tokens: number | undefined,
  cost: number | undefined,
): void {
  leaveInput(tx, attempt);
  attempt.tokens = tokens ?? attempt.tokens;
  attempt.cost = cost ?? attempt.cost;
  onReply(tx, attempt, reply);
}

function fail(
  tx: Tx,
  attempt: AttemptState,
  outcome: "errored" | "timed_out",
  reason: string,
): void {
  leaveInput(tx, attempt);
  const sessionId = attempt.sessionId;
  endAttempt(tx, attempt, outcome, reason);
  if (outcome === "timed_out" && sessionId !== null) {
    tx.commands.push({
      type: "abort_session",
      attemptId: attempt.id,
      sessionId,
    });
  }
  onFailed(tx, attempt, reason);
}

/** An error retrying cannot mend: the step (or story) is given up now. */
function giveUp(tx: Tx, attempt: AttemptState, reason: string): void {
  leaveInput(tx, attempt);
  endAttempt(tx, attempt, "errored", reason);
  exhaust(
    tx,
    attempt.step,
    attempt.story,
    `"${attempt.step}"${
      attempt.story === null ? "" : ` (story "${attempt.story}")`
    } cannot run: ${reason}`,
  );
}

function waitForInput(tx: Tx, attempt: AttemptState, request: string): void {
  attempt.phase = "waiting_input";
  if (attempt.deadline !== null) {
    attempt.remainingMs = Math.max(0, attempt.deadline - tx.at);
    attempt.deadline = null;
    tx.commands.push({ type: "cancel_timeout", attemptId: attempt.id });
  }
  markStep(tx, attempt, "blocked");
  const step = agentStepSpec(tx.state, attempt.step);
  block(tx, {
    kind: "input",
    step: step.id,
    story: attempt.story,
    reason: `Step "${step.id}" waits for an answer: ${request}`,
  });
}

function resumeFromInput(tx: Tx, attempt: AttemptState): void {
  const remaining = attempt.remainingMs ?? timeoutMs(tx, attempt);
  leaveInput(tx, attempt);
  attempt.phase = "running";
  attempt.deadline = tx.at + remaining;
  tx.commands.push({
    type: "schedule_timeout",
    attemptId: attempt.id,
    deadline: attempt.deadline,
  });
  markStep(tx, attempt, "running");
}

function reconcile(
  tx: Tx,
  attempt: AttemptState,
  observed: Extract<RunEvent, { type: "attempt_reconciled" }>["observed"],
): void {
  switch (observed.kind) {
    case "no_session":
      if (
        attempt.phase === "preparing" || attempt.phase === "creating_session"
      ) {
        return prepareAttempt(tx, attempt);
      }
      return fail(tx, attempt, "errored", "its session no longer exists");
    case "not_prompted":
      if (attempt.phase === "preparing") {
        reject(`Attempt "${attempt.id}" has no session to prompt yet`);
      }
      leaveInput(tx, attempt);
      markStep(tx, attempt, "pending");
      return sendPrompt(tx, attempt, observed.sessionId);
    case "busy":
      attempt.sessionId = observed.sessionId;
      if (attempt.phase === "waiting_input") {
        return resumeFromInput(tx, attempt);
      }
      return markRunning(tx, attempt);
    case "waiting_input":
      attempt.sessionId = observed.sessionId;
      if (attempt.phase === "waiting_input") return;
      markRunning(tx, attempt);
      return waitForInput(tx, attempt, observed.request);
    case "idle":
      attempt.sessionId = observed.sessionId;
      return finish(
        tx,
        attempt,
        observed.reply,
        observed.tokens,
        observed.cost,
      );
    case "errored":
      attempt.sessionId = observed.sessionId;
      return fail(tx, attempt, "errored", observed.message);
    case "interrupted":
      attempt.sessionId = observed.sessionId;
      leaveInput(tx, attempt);
      endAttempt(tx, attempt, "interrupted", observed.message);
      return requeue(tx, attempt);
  }
}
