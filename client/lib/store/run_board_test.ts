import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { reduce } from "./reducer.ts";
import {
  attentionOf,
  blockedRuns,
  boardColumns,
  boardOf,
  COMPLETED_COLUMN,
  STOPPED_COLUMN,
} from "./run_board.ts";
import { runFixture, workflowFixture } from "./run_fixtures.ts";
import { summaryOf } from "./run_updates.ts";
import { EMPTY_STATE } from "./state.ts";

const summary = (
  id: string,
  number: number,
  fields: Partial<ReturnType<typeof summaryOf>> = {},
) => ({ ...summaryOf(runFixture(id, { run_number: number })), ...fields });

Deno.test("board: one column per step, then completed and stopped; cards by current step, newest first", () => {
  const columns = boardColumns(workflowFixture(), [
    summary("r1", 1),
    summary("r2", 2),
    summary("r3", 3, { current_step: "review", status: "blocked" }),
    summary("r4", 4, { current_step: null, status: "completed" }),
    summary("r5", 5, { current_step: null, status: "failed" }),
    summary("r6", 6, { current_step: null, status: "cancelled" }),
    summary("other", 7, { workflow: "another" }),
  ]);
  deepStrictEqual(
    columns.map((c) => [c.id, c.runs.map((r) => r.id)]),
    [
      ["plan", ["r2", "r1"]],
      ["review", ["r3"]],
      ["ship", []],
      [COMPLETED_COLUMN, ["r4"]],
      [STOPPED_COLUMN, ["r6", "r5"]],
    ],
  );
});

Deno.test("board: a run at a step its workflow no longer has gets its own column; one with no step sits first", () => {
  const columns = boardColumns(workflowFixture(), [
    summary("old", 1, { current_step: "legacy" }),
    summary("none", 2, { current_step: null }),
  ]);
  deepStrictEqual(columns.map((c) => c.id), [
    "plan",
    "review",
    "ship",
    "legacy",
    COMPLETED_COLUMN,
    STOPPED_COLUMN,
  ]);
  deepStrictEqual(columns[0]!.runs.map((r) => r.id), ["none"]);
});

Deno.test("board: attention says what a blocked run waits for", () => {
  const wf = workflowFixture();
  strictEqual(attentionOf(summary("a", 1), wf), null);
  strictEqual(
    attentionOf(
      summary("a", 1, { status: "blocked", current_step: "review" }),
      wf,
    ),
    "approval",
  );
  strictEqual(
    attentionOf(
      summary("a", 1, {
        status: "blocked",
        blocked_reason: 'Step "plan" waits for an answer: bash echo',
      }),
      wf,
    ),
    "permission",
  );
  strictEqual(
    attentionOf(
      summary("a", 1, {
        status: "blocked",
        blocked_reason: '"plan" failed 2 times',
      }),
      wf,
    ),
    "escalated",
  );
});

Deno.test("board: selections keep their identity while nothing they show changes", () => {
  const state = reduce(EMPTY_STATE, {
    kind: "snapshot-loaded",
    snapshot: {
      instances: [],
      permissions: [],
      sessions: new Map(),
      conversations: new Map(),
      runs: { workflows: [workflowFixture()], runs: [summary("r1", 1)] },
    },
  });
  strictEqual(boardOf(state, "wf"), boardOf(state, "wf"));
  strictEqual(boardOf(state, "missing").length, 0);
  const blocked = blockedRuns(state.runs.summaries);
  strictEqual(blocked.length, 0);
  strictEqual(blockedRuns(state.runs.summaries), blocked);
});
