/**
 * Reading and writing the JSON columns of the run tables: the checks that
 * turn a stored value back into a typed one (no casts), and the stored form
 * of a state.
 *
 * @module
 */
import { RUN_STATUSES, type RunSummaryJson } from "../contract/workflows.ts";
import type { RunCommand, RunEvent } from "../workflows/decide_types.ts";
import { toAttemptJson } from "../workflows/run_json.ts";
import type { AttemptState, RunState } from "../workflows/run_state.ts";

/** A state as stored: without its pinned workflow. */
export type StoredState = Omit<RunState, "workflow">;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether a parsed `state` column is a stored state. */
export function isStoredState(value: unknown): value is StoredState {
  return isRecord(value) && typeof value.id === "string" &&
    RUN_STATUSES.some((status) => status === value.status) &&
    Array.isArray(value.steps) && Array.isArray(value.stories) &&
    Array.isArray(value.attempts) && isRecord(value.context);
}

/** Whether a parsed `summary` column is a run summary. */
export function isSummary(value: unknown): value is RunSummaryJson {
  return isRecord(value) && typeof value.id === "string" &&
    typeof value.run_number === "number";
}

/** Whether a parsed outbox `command` is a command. */
export function isCommand(value: unknown): value is RunCommand {
  return isRecord(value) && typeof value.type === "string";
}

/** Whether a parsed transition `event` is an event. */
export function isEvent(value: unknown): value is RunEvent {
  return isRecord(value) && typeof value.type === "string" &&
    typeof value.at === "number";
}

/** Epoch ms → ISO 8601. */
export const iso = (ms: number) => new Date(ms).toISOString();

/** The `state` column of a state (its pinned workflow lives with the revision). */
export function storedStateOf(state: RunState): string {
  const { workflow: _pinned, ...rest } = state;
  return JSON.stringify(rest);
}

/** Whether two versions of an attempt read the same (no row update needed). */
export function sameAttempt(a: AttemptState, b: AttemptState): boolean {
  return a.phase === b.phase &&
    JSON.stringify(toAttemptJson(a)) === JSON.stringify(toAttemptJson(b));
}
