/**
 * Labels and colours of run, step and attempt states (the board and a
 * run's page), and how an API refusal reads.
 *
 * @module
 */
import type {
  AttemptOutcomeJson,
  RunStatusJson,
  StepStatusJson,
  StoryStatusJson,
} from "../../server/contract/workflows.ts";
import { ApiError } from "../api/api_client.ts";
import type { Attention } from "./store/run_board.ts";

const TONES = {
  live: "bg-sky-500/15 text-sky-200 ring-sky-400/30",
  wait: "bg-amber-500/15 text-amber-200 ring-amber-400/40",
  good: "bg-emerald-500/15 text-emerald-200 ring-emerald-400/30",
  bad: "bg-red-500/15 text-red-200 ring-red-400/30",
  idle: "bg-gray-500/10 text-gray-300 ring-gray-500/30",
} as const;

/** Badge classes of a run's status. */
export function runStatusClass(status: RunStatusJson): string {
  return {
    running: TONES.live,
    blocked: TONES.wait,
    completed: TONES.good,
    failed: TONES.bad,
    cancelled: TONES.idle,
  }[status];
}

/** Badge classes of a step's (or story's) status. */
export function stepStatusClass(
  status: StepStatusJson | StoryStatusJson,
): string {
  switch (status) {
    case "running":
    case "verifying":
      return TONES.live;
    case "blocked":
      return TONES.wait;
    case "done":
      return TONES.good;
    case "failed":
      return TONES.bad;
    default:
      return TONES.idle;
  }
}

/** Badge classes of an attempt's outcome (null: live). */
export function outcomeClass(outcome: AttemptOutcomeJson | null): string {
  switch (outcome) {
    case null:
      return TONES.live;
    case "passed":
      return TONES.good;
    case "retry":
    case "interrupted":
    case "aborted":
      return TONES.wait;
    default:
      return TONES.bad;
  }
}

/** What a person is asked for, in words. */
export function attentionLabel(attention: Attention): string {
  return {
    approval: "Needs approval",
    escalated: "Escalated",
    permission: "Needs an answer",
  }[attention];
}

/** A failed call in words: the server's reason, with the HTTP status when it refused. */
export function refusalText(error: unknown): string {
  if (error instanceof ApiError) {
    return error.status === 0
      ? "Cannot reach the Flock server."
      : `${error.message} (HTTP ${error.status})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** A cost in dollars, short. */
export function formatCost(cost: number): string {
  return cost === 0 ? "$0" : cost < 0.01 ? "<$0.01" : `$${cost.toFixed(2)}`;
}
