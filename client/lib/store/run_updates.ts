/**
 * How a run's JSON follows its events (pure): `run.updated` brings the
 * summary's fields, `step.updated`, `story.updated` and `attempt.updated`
 * replace (or add) one entry of the run's lists. Each returns its input
 * unchanged (the same object) when nothing changes, so a replayed event
 * costs nothing.
 *
 * @module
 */
import type { FlockEvent } from "../../../server/contract/events.ts";
import type {
  RunAttemptJson,
  RunEventJson,
  RunJson,
  RunSummaryJson,
} from "../../../server/contract/workflows.ts";
import { sameRecord } from "./immutable.ts";

/** A run event (`run.updated`, `step.updated`, … `run.notice`). */
export type RunEvent = RunEventJson;

const RUN_EVENT_TYPES: ReadonlySet<string> = new Set([
  "run.updated",
  "step.updated",
  "story.updated",
  "attempt.updated",
  "run.notice",
]);

/** Whether an event concerns a run. */
export function isRunEvent(event: FlockEvent): event is RunEvent {
  return RUN_EVENT_TYPES.has(event.type);
}

/** The id of the run an event concerns. */
export function runIdOf(event: RunEvent): string {
  return event.type === "run.updated"
    ? event.properties.run.id
    : event.properties.run_id;
}

/** Whether `next` is at least as recent as `current` (by `updated_at`). */
export function isNotOlder(
  current: { updated_at: string } | undefined,
  next: { updated_at: string },
): boolean {
  return current === undefined || next.updated_at >= current.updated_at;
}

/** `list` with the entry of `item.id` replaced, or `item` appended. */
function upsert<T extends { id: string }>(
  list: readonly T[],
  item: T,
): readonly T[] {
  const index = list.findIndex((entry) => entry.id === item.id);
  if (index === -1) return [...list, item];
  if (sameRecord(list[index], item)) return list;
  const next = [...list];
  next[index] = item;
  return next;
}

function withList<K extends "steps" | "stories" | "attempts">(
  run: RunJson,
  key: K,
  list: readonly RunJson[K][number][],
): RunJson {
  return list === run[key] ? run : { ...run, [key]: list };
}

/**
 * The summary's fields of a run (what `run.updated` carries), taken over
 * by its full JSON.
 */
export function withSummary(run: RunJson, summary: RunSummaryJson): RunJson {
  if (!isNotOlder(run, summary)) return run;
  const {
    current_step: _step,
    stories_done: _done,
    stories_total: _total,
    ...fields
  } = summary;
  const next: RunJson = { ...run, ...fields };
  return sameRecord(next, run) ? run : next;
}

/**
 * Applies one run event to the run's full JSON.
 *
 * @returns `run` itself when the event is another run's or changes nothing.
 */
export function applyRunEvent(run: RunJson, event: RunEvent): RunJson {
  if (runIdOf(event) !== run.id) return run;
  switch (event.type) {
    case "run.updated":
      return withSummary(run, event.properties.run);
    case "run.notice":
      return withSummary(run, event.properties.run);
    case "step.updated":
      return withList(run, "steps", upsert(run.steps, event.properties.step));
    case "story.updated":
      return withList(
        run,
        "stories",
        upsert(run.stories, event.properties.story),
      );
    case "attempt.updated": {
      const attempts = upsert<RunAttemptJson>(
        run.attempts,
        event.properties.attempt,
      );
      return withList(
        run,
        "attempts",
        attempts === run.attempts
          ? attempts
          : [...attempts].sort((a, b) => a.number - b.number),
      );
    }
  }
}

/**
 * A run's summary from its full JSON, as the server builds it: the current
 * step is the first running, pending, blocked or failed one while the run
 * is not finished.
 */
export function summaryOf(run: RunJson): RunSummaryJson {
  const { context: _c, steps, stories, attempts: _a, ...fields } = run;
  const finished = run.status === "completed" || run.status === "failed" ||
    run.status === "cancelled";
  const current = finished
    ? undefined
    : steps.find((s) =>
      s.status === "running" || s.status === "pending" ||
      s.status === "blocked" || s.status === "failed"
    );
  return {
    ...fields,
    current_step: current?.id ?? null,
    stories_done: stories.filter((s) => s.status === "done").length,
    stories_total: stories.length,
  };
}
