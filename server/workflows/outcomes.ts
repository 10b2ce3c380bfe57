/**
 * What an attempt's end means for its step, its story and the run: a passed
 * reply moves on, `STATUS: retry` sends work back (a story to its loop, or
 * the steps from `on_fail.retry_step` on) with feedback, and a failed attempt
 * is retried up to `max_retries` before the step is given up on.
 *
 * @module
 */
import { advance, endAttempt, exhaust } from "./advance.ts";
import type { Tx } from "./decide_tx.ts";
import { judgeReply } from "./output.ts";
import {
  agentStepSpec,
  type AttemptState,
  firstLoopIndex,
  loopOfVerifier,
  type RunState,
  stepState,
  storyState,
} from "./run_state.ts";
import type { AgentStepSpec } from "./spec_types.ts";
import type { StoryInput } from "./stories.ts";

/** Judges a finished attempt's reply and moves the run on. */
export function onReply(tx: Tx, attempt: AttemptState, reply: string): void {
  const { state } = tx;
  attempt.reply = reply;
  const step = agentStepSpec(state, attempt.step);
  const verdict = judgeReply(reply, step.expects, definesStories(state, step));
  const loop = loopOfVerifier(state.workflow.spec, step.id);
  if (verdict.kind === "passed") {
    endAttempt(tx, attempt, "passed", null);
    Object.assign(state.context, verdict.parsed.values);
    onPassed(
      tx,
      attempt,
      step,
      reply,
      verdict.stories?.ok ? verdict.stories.stories : null,
    );
  } else if (
    verdict.kind === "retry" && attempt.story !== null && loop !== null
  ) {
    endAttempt(tx, attempt, "retry", firstLine(verdict.feedback));
    Object.assign(state.context, verdict.parsed.values);
    stepState(state, step.id).output = reply;
    reworkStory(tx, step, attempt.story, verdict.feedback);
  } else if (verdict.kind === "retry" && step.onFail.retryStep !== null) {
    endAttempt(tx, attempt, "retry", firstLine(verdict.feedback));
    Object.assign(state.context, verdict.parsed.values);
    stepState(state, step.id).output = reply;
    reworkSteps(tx, step, verdict.feedback);
  } else if (verdict.kind === "retry") {
    const reason =
      `asked for a retry, but "${step.id}" has no on_fail.retry_step: ${
        firstLine(verdict.feedback)
      }`;
    endAttempt(tx, attempt, "failed", reason);
    onFailed(tx, attempt, reason);
  } else {
    endAttempt(tx, attempt, "failed", verdict.reason);
    onFailed(tx, attempt, verdict.reason);
  }
}

/** Whether STORIES_JSON in this step's reply defines the run's stories (a loop comes later). */
function definesStories(state: RunState, step: AgentStepSpec): boolean {
  const spec = state.workflow.spec;
  const loop = firstLoopIndex(spec);
  return loop >= 0 && spec.steps.findIndex((s) => s.id === step.id) < loop;
}

function onPassed(
  tx: Tx,
  attempt: AttemptState,
  step: AgentStepSpec,
  reply: string,
  stories: StoryInput[] | null,
): void {
  const { state } = tx;
  stepState(state, step.id).output = reply;
  if (stories !== null) {
    state.stories = stories.map((story) => ({
      ...story,
      status: "pending",
      retryCount: 0,
      origin: "plan",
    }));
    state.storiesPlanned = true;
  }
  if (state.feedback?.from === step.id) state.feedback = null;
  if (attempt.story === null) {
    stepState(state, step.id).status = "done";
  } else {
    const story = storyState(state, attempt.story);
    if (step.type === "loop") {
      story.status = step.loop.verifyStep === null ? "done" : "verifying";
    } else {
      story.status = "done";
      stepState(state, step.id).status = "waiting";
    }
  }
  advance(tx);
}

/**
 * A failed attempt: retry its step (or story) while retries are left,
 * otherwise give up on it.
 */
export function onFailed(tx: Tx, attempt: AttemptState, reason: string): void {
  const { state } = tx;
  const step = agentStepSpec(state, attempt.step);
  const counter = attempt.story === null
    ? stepState(state, step.id)
    : storyState(state, attempt.story);
  counter.retryCount += 1;
  if (counter.retryCount > step.maxRetries) {
    const tries = step.maxRetries + 1;
    exhaust(
      tx,
      step.id,
      attempt.story,
      `"${step.id}"${storyLabel(attempt.story)} failed ${tries} ${
        tries === 1 ? "time" : "times"
      }; the last attempt: ${reason}`,
    );
    return;
  }
  requeue(tx, attempt);
}

/**
 * Puts an ended attempt's work (its step, or its story) back in line and
 * moves on: the next attempt does it again.
 */
export function requeue(tx: Tx, attempt: AttemptState): void {
  const { state } = tx;
  const step = agentStepSpec(state, attempt.step);
  if (attempt.story === null) {
    stepState(state, step.id).status = "pending";
  } else {
    storyState(state, attempt.story).status = step.type === "loop"
      ? "pending"
      : "verifying";
    if (step.type !== "loop") stepState(state, step.id).status = "waiting";
  }
  advance(tx);
}

/** The verifier of a loop asked for changes: the story goes back to the loop. */
function reworkStory(
  tx: Tx,
  verifier: AgentStepSpec,
  storyId: string,
  feedback: string,
): void {
  const { state } = tx;
  const story = storyState(state, storyId);
  story.retryCount += 1;
  state.feedback = { from: verifier.id, text: feedback };
  stepState(state, verifier.id).status = "waiting";
  const limit = verifier.onFail.maxRetries;
  if (story.retryCount > limit) {
    exhaust(
      tx,
      verifier.id,
      storyId,
      `"${verifier.id}" asked for changes to story "${storyId}" ${story.retryCount} times; the limit is ${limit}: ${
        firstLine(feedback)
      }`,
    );
    return;
  }
  story.status = "pending";
  advance(tx);
}

/**
 * A step asked for changes: the steps from its `on_fail.retry_step` up to it
 * run again with the feedback. When that step is a loop, the feedback becomes
 * a new story of it.
 */
function reworkSteps(tx: Tx, step: AgentStepSpec, feedback: string): void {
  const { state } = tx;
  const own = stepState(state, step.id);
  own.reworkCount += 1;
  const limit = step.onFail.maxRetries;
  if (own.reworkCount > limit) {
    exhaust(
      tx,
      step.id,
      null,
      `"${step.id}" asked for changes ${own.reworkCount} times; the limit is ${limit}: ${
        firstLine(feedback)
      }`,
    );
    return;
  }
  state.feedback = { from: step.id, text: feedback };
  const target = step.onFail.retryStep!;
  const from = state.steps.findIndex((s) => s.id === target);
  const to = state.steps.findIndex((s) => s.id === step.id);
  for (const s of state.steps.slice(from, to + 1)) {
    s.status = "waiting";
    s.retryCount = 0;
  }
  const targetSpec = agentStepSpec(state, target);
  if (targetSpec.type === "loop") {
    state.stories.push({
      id: uniqueStoryId(state, `${step.id}-rework-${own.reworkCount}`),
      title: `Changes requested by ${step.id}`,
      description: feedback,
      acceptanceCriteria: [`The changes ${step.id} asked for are made`],
      status: "pending",
      retryCount: 0,
      origin: "rework",
    });
  }
  advance(tx);
}

function uniqueStoryId(state: RunState, base: string): string {
  let id = base;
  for (let n = 2; state.stories.some((story) => story.id === id); n++) {
    id = `${base}-${n}`;
  }
  return id;
}

function storyLabel(story: string | null): string {
  return story === null ? "" : ` (story "${story}")`;
}

function firstLine(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  return line.length <= 200 ? line : `${line.slice(0, 199)}…`;
}
