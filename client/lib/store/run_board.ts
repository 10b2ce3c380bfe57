/**
 * The workflow board's layout (pure): one column per step of the workflow,
 * then "Completed" and "Stopped" (failed or cancelled); each run's card sits
 * in the column of its current step. Also what a blocked run needs from a
 * person (its card's marker).
 *
 * @module
 */
import type {
  RunSummaryJson,
  WorkflowJson,
} from "../../../server/contract/workflows.ts";
import { memo, NONE, stableList } from "./selectors.ts";
import type { FlockState } from "./state.ts";

/** A column of the board. */
export interface BoardColumn {
  /** A step id, or `@completed` / `@stopped`. */
  readonly id: string;
  readonly title: string;
  readonly kind: "step" | "completed" | "stopped";
  /** Its runs, newest first. */
  readonly runs: readonly RunSummaryJson[];
}

/** What a blocked run waits for. */
export type Attention = "approval" | "escalated" | "permission";

/** The completed column's id. */
export const COMPLETED_COLUMN = "@completed";
/** The failed-or-cancelled column's id. */
export const STOPPED_COLUMN = "@stopped";

const newestFirst = (a: RunSummaryJson, b: RunSummaryJson) =>
  b.run_number - a.run_number ||
  (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0);

/**
 * What a blocked run waits for: an approval (its step is a gate), an
 * answer (an agent's permission request or question: the server says
 * "waits for an answer"), or a decision on an escalated failure.
 *
 * @returns null unless the run is blocked.
 */
export function attentionOf(
  run: RunSummaryJson,
  workflow: WorkflowJson | undefined,
): Attention | null {
  if (run.status !== "blocked") return null;
  const step = workflow?.steps.find((s) => s.id === run.current_step);
  if (step?.type === "gate") return "approval";
  if (/waits for an answer/.test(run.blocked_reason ?? "")) {
    return "permission";
  }
  return "escalated";
}

/** The column a run's card sits in. */
export function columnOf(run: RunSummaryJson): string | null {
  if (run.status === "completed") return COMPLETED_COLUMN;
  if (run.status === "failed" || run.status === "cancelled") {
    return STOPPED_COLUMN;
  }
  return run.current_step;
}

/**
 * Lays out a workflow's runs. A run at a step the workflow no longer has
 * (it pinned an older revision) gets a column of its own after the steps;
 * a live run with no current step sits in the first column.
 */
export function boardColumns(
  workflow: WorkflowJson,
  runs: Iterable<RunSummaryJson>,
): BoardColumn[] {
  const byColumn = new Map<string, RunSummaryJson[]>();
  const extra: string[] = [];
  const stepIds = new Set(workflow.steps.map((s) => s.id));
  for (const run of runs) {
    if (run.workflow !== workflow.id) continue;
    const column = columnOf(run) ?? workflow.steps[0]?.id ?? COMPLETED_COLUMN;
    if (
      column !== COMPLETED_COLUMN && column !== STOPPED_COLUMN &&
      !stepIds.has(column) && !extra.includes(column)
    ) extra.push(column);
    if (!byColumn.has(column)) byColumn.set(column, []);
    byColumn.get(column)!.push(run);
  }
  const of = (id: string) => (byColumn.get(id) ?? []).sort(newestFirst);
  return [
    ...workflow.steps.map((s): BoardColumn => ({
      id: s.id,
      title: s.id,
      kind: "step",
      runs: of(s.id),
    })),
    ...extra.map((id): BoardColumn => ({
      id,
      title: id,
      kind: "step",
      runs: of(id),
    })),
    {
      id: COMPLETED_COLUMN,
      title: "Completed",
      kind: "completed",
      runs: of(COMPLETED_COLUMN),
    },
    {
      id: STOPPED_COLUMN,
      title: "Failed or cancelled",
      kind: "stopped",
      runs: of(STOPPED_COLUMN),
    },
  ];
}

/** Installed workflows by name, then id. */
export const workflowsInOrder: (
  workflows: ReadonlyMap<string, WorkflowJson>,
) => readonly WorkflowJson[] = (() => {
  let previous: readonly WorkflowJson[] | undefined;
  return memo((workflows: ReadonlyMap<string, WorkflowJson>) => {
    previous = stableList(
      previous,
      [...workflows.values()].sort((a, b) =>
        a.name.localeCompare(b.name) || a.id.localeCompare(b.id)
      ),
    );
    return previous;
  });
})();

const columnsMemo = memo((
  workflow: WorkflowJson | undefined,
  summaries: ReadonlyMap<string, RunSummaryJson>,
): readonly BoardColumn[] =>
  workflow ? boardColumns(workflow, summaries.values()) : NONE
);

/**
 * The board of one workflow.
 *
 * @returns The same list object while its workflow and the runs do not change.
 */
export function boardOf(
  state: FlockState,
  workflowId: string,
): readonly BoardColumn[] {
  return columnsMemo(
    state.runs.workflows.get(workflowId),
    state.runs.summaries,
  );
}

/** Runs blocked on a person, newest first (every workflow). */
export const blockedRuns: (
  summaries: ReadonlyMap<string, RunSummaryJson>,
) => readonly RunSummaryJson[] = (() => {
  let previous: readonly RunSummaryJson[] | undefined;
  return memo((summaries: ReadonlyMap<string, RunSummaryJson>) => {
    previous = stableList(
      previous,
      [...summaries.values()].filter((r) => r.status === "blocked").sort(
        newestFirst,
      ),
    );
    return previous;
  });
})();
