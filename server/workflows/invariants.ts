/**
 * The rules a run's state must always obey. `decide` keeps them by
 * construction; the tests check them after every event of long random
 * sequences, and the runner may check them before it persists a state.
 *
 * @module
 */
import {
  isTerminal,
  liveAttempt,
  loopOfVerifier,
  type RunState,
} from "./run_state.ts";

const FINISHED = new Set(["done", "skipped"]);

/**
 * Every broken rule, as a sentence (empty when the state is sound).
 *
 * @example
 * ```ts
 * checkInvariants(state); // []
 * ```
 */
export function checkInvariants(state: RunState): string[] {
  const broken: string[] = [];
  const live = state.attempts.filter((attempt) => attempt.phase !== "ended");
  if (live.length > 1) {
    broken.push(`${live.length} attempts are live: ${live.map((a) => a.id)}`);
  }
  if (isTerminal(state.status) && live.length > 0) {
    broken.push(`the run is ${state.status} with a live attempt`);
  }
  if (state.status === "running" && live.length === 0) {
    broken.push("the run is running with nothing live (it would stall)");
  }
  if ((state.status === "blocked") !== (state.blocked !== null)) {
    broken.push(
      `the run is ${state.status} and blocked is ${state.blocked?.kind}`,
    );
  }
  if ((state.status === "failed") !== (state.failure !== null)) {
    broken.push(
      `the run is ${state.status} and failure is ${state.failure?.reason}`,
    );
  }
  const current = liveAttempt(state);
  if (state.blocked?.kind === "input" && current?.phase !== "waiting_input") {
    broken.push("the run waits for input but no attempt does");
  }
  if (
    (state.blocked?.kind === "gate" || state.blocked?.kind === "escalation") &&
    current !== null
  ) {
    broken.push(
      `the run is blocked (${state.blocked.kind}) with a live attempt`,
    );
  }
  if (state.status === "completed") {
    for (const step of state.steps) {
      if (!FINISHED.has(step.status)) {
        broken.push(`completed with step "${step.id}" ${step.status}`);
      }
    }
    for (const story of state.stories) {
      if (!FINISHED.has(story.status)) {
        broken.push(`completed with story "${story.id}" ${story.status}`);
      }
    }
  }
  state.attempts.forEach((attempt, index) => {
    if (attempt.number !== index + 1) {
      broken.push(`attempt ${attempt.id} is numbered ${attempt.number}`);
    }
    if ((attempt.phase === "ended") !== (attempt.outcome !== null)) {
      broken.push(
        `attempt ${attempt.id} is ${attempt.phase} with outcome ${attempt.outcome}`,
      );
    }
  });
  if (current !== null) {
    const step = state.steps.find((s) => s.id === current.step);
    const loop = loopOfVerifier(state.workflow.spec, current.step);
    if (
      loop === null && current.story === null && step !== undefined &&
      !["pending", "running", "blocked"].includes(step.status)
    ) {
      broken.push(
        `live attempt ${current.id} on step "${step.id}" ${step.status}`,
      );
    }
    if (current.story !== null) {
      const story = state.stories.find((s) => s.id === current.story);
      const expected = loop === null ? "running" : "verifying";
      if (story?.status !== expected) {
        broken.push(
          `live attempt ${current.id} on story "${current.story}" ${story?.status}`,
        );
      }
    }
  }
  return broken;
}
