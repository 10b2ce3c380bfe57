/**
 * The runs slice: installed workflows, every run's summary (the board's
 * cards), the full runs opened on this page (their pages), and the notices
 * this page heard. Events keep all of it current: `run.updated` and
 * `run.notice` carry a summary, `step.updated`, `story.updated` and
 * `attempt.updated` change an opened run (`run_updates.ts`). A summary or
 * run older than the one held (`updated_at`) is ignored, so a REST answer
 * that arrives after newer events does not undo them.
 *
 * @module
 */
import type {
  RunJson,
  RunNoticeEvent,
  RunSummaryJson,
  WorkflowJson,
} from "../../../server/contract/workflows.ts";
import type { StoreAction } from "./actions.ts";
import { mapOf, withEntry, withoutKeys } from "./immutable.ts";
import {
  applyRunEvent,
  isNotOlder,
  isRunEvent,
  runIdOf,
  summaryOf,
} from "./run_updates.ts";

/** A notice a person should hear about (blocked, failed, completed). */
export type RunNotice = RunNoticeEvent["properties"];

/** A run opened on this page. */
export interface RunDetailState {
  /** The run, once loaded. */
  readonly run: RunJson | null;
  /** Its JSON is being fetched (its events are buffered meanwhile). */
  readonly loading: boolean;
  /** Why the last fetch failed, or null. */
  readonly error: string | null;
}

/** Workflows and runs. */
export interface RunsState {
  /** True once workflows and runs were listed. */
  readonly loaded: boolean;
  /** Installed workflows by id (newest revision). */
  readonly workflows: ReadonlyMap<string, WorkflowJson>;
  /** Every run's summary by id. */
  readonly summaries: ReadonlyMap<string, RunSummaryJson>;
  /** Runs opened on this page, by id. */
  readonly details: ReadonlyMap<string, RunDetailState>;
  /** The notices heard per run, oldest first, once per key. */
  readonly notices: ReadonlyMap<string, readonly RunNotice[]>;
}

/** What a full refresh lists of the runs. */
export interface RunsSnapshot {
  readonly workflows: readonly WorkflowJson[];
  readonly runs: readonly RunSummaryJson[];
}

/** Nothing listed yet. */
export const EMPTY_RUNS: RunsState = Object.freeze({
  loaded: false,
  workflows: new Map(),
  summaries: new Map(),
  details: new Map(),
  notices: new Map(),
});

/** A run being fetched for the first time. */
export const LOADING_RUN: RunDetailState = Object.freeze({
  run: null,
  loading: true,
  error: null,
});

/** The workflow held when it is the same revision (its lists are not compared). */
function sameRevision(
  held: WorkflowJson | undefined,
  next: WorkflowJson,
): WorkflowJson {
  return held && held.revision === next.revision &&
      held.installed_at === next.installed_at
    ? held
    : next;
}

function withSummaryOf(
  summaries: ReadonlyMap<string, RunSummaryJson>,
  summary: RunSummaryJson,
): ReadonlyMap<string, RunSummaryJson> {
  return isNotOlder(summaries.get(summary.id), summary)
    ? withEntry(summaries, summary.id, summary)
    : summaries;
}

function withRun(state: RunsState, run: RunJson): RunsState {
  const summaries = withSummaryOf(state.summaries, summaryOf(run));
  const held = state.details.get(run.id)?.run ?? undefined;
  const details = held && !isNotOlder(held, run)
    ? state.details
    : withEntry(state.details, run.id, { run, loading: false, error: null });
  return summaries === state.summaries && details === state.details
    ? state
    : { ...state, summaries, details };
}

function withNotice(state: RunsState, notice: RunNotice): RunsState {
  const list = state.notices.get(notice.run_id) ?? [];
  if (list.some((n) => n.key === notice.key)) return state;
  return {
    ...state,
    notices: withEntry(state.notices, notice.run_id, [...list, notice]),
  };
}

function onEvent(
  state: RunsState,
  action: Extract<StoreAction, { kind: "event" }>,
): RunsState {
  const event = action.event;
  if (!isRunEvent(event)) return state;
  let next = state;
  if (event.type === "run.updated" || event.type === "run.notice") {
    const summaries = withSummaryOf(state.summaries, event.properties.run);
    if (summaries !== state.summaries) next = { ...next, summaries };
  }
  if (event.type === "run.notice") next = withNotice(next, event.properties);
  const id = runIdOf(event);
  const detail = next.details.get(id);
  if (detail?.run && !detail.loading) {
    const run = applyRunEvent(detail.run, event);
    if (run !== detail.run) {
      next = {
        ...next,
        details: withEntry(next.details, id, { ...detail, run }),
      };
    }
  }
  return next;
}

/**
 * Applies an action to the runs.
 *
 * @returns `state` itself when nothing changed.
 */
export function reduceRuns(state: RunsState, action: StoreAction): RunsState {
  switch (action.kind) {
    case "event":
      return onEvent(state, action);
    case "snapshot-loaded": {
      const listed = action.snapshot.runs;
      if (!listed) return state;
      const workflows = mapOf(
        listed.workflows.map((w) => sameRevision(state.workflows.get(w.id), w)),
        (w) => w.id,
        state.workflows,
      );
      const summaries = mapOf(listed.runs, (r) => r.id, state.summaries);
      return state.loaded && workflows === state.workflows &&
          summaries === state.summaries
        ? state
        : { ...state, loaded: true, workflows, summaries };
    }
    case "workflow-saved":
      return {
        ...state,
        workflows: withEntry(
          state.workflows,
          action.workflow.id,
          action.workflow,
        ),
      };
    case "workflow-deleted": {
      const workflows = withoutKeys(state.workflows, [action.workflowId]);
      return workflows === state.workflows ? state : { ...state, workflows };
    }
    case "run-saved":
      return withRun(state, action.run);
    case "run-loading": {
      const held = state.details.get(action.runId);
      return {
        ...state,
        details: withEntry(state.details, action.runId, {
          run: held?.run ?? null,
          loading: true,
          error: null,
        }),
      };
    }
    case "run-loaded": {
      const summaries = withSummaryOf(state.summaries, summaryOf(action.run));
      return {
        ...state,
        summaries,
        details: withEntry(state.details, action.run.id, {
          run: action.run,
          loading: false,
          error: null,
        }),
      };
    }
    case "run-failed": {
      const held = state.details.get(action.runId);
      return {
        ...state,
        details: withEntry(state.details, action.runId, {
          run: held?.run ?? null,
          loading: false,
          error: action.error,
        }),
      };
    }
    default:
      return state;
  }
}
