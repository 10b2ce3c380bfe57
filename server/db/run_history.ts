/**
 * Reading what a run did, for tests and diagnostics: its transition log
 * and its attempt rows (the `RunStore` writes both).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { RUN_STATUSES, type RunStatusJson } from "../contract/workflows.ts";
import type { RunEvent } from "../workflows/decide_types.ts";
import { prepareCached } from "./database.ts";
import { int, text, textOrNull } from "./row.ts";
import { isEvent } from "./run_rows.ts";
import { jsonColumn } from "./workflow_store.ts";

/** One accepted event of a run, as the transition log keeps it. */
export interface RunTransition {
  seq: number;
  at: string;
  type: string;
  event: RunEvent;
  status: RunStatusJson;
}

/** One row of `run_attempts`. */
export interface AttemptRow {
  id: string;
  step: string;
  story: string | null;
  phase: string;
  outcome: string | null;
  session_id: string | null;
}

/** The run's accepted events, in order. */
export function runTransitions(
  db: DatabaseSync,
  runId: string,
): RunTransition[] {
  return prepareCached(
    db,
    `SELECT seq, at, type, event, status FROM run_transitions
     WHERE run_id = ? ORDER BY seq`,
  ).all(runId).map((row) => ({
    seq: int(row, "seq"),
    at: text(row, "at"),
    type: text(row, "type"),
    event: jsonColumn(row, "event", isEvent),
    status: RUN_STATUSES.find((s) => s === text(row, "status")) ?? "failed",
  }));
}

/** The attempt rows of a run, in order. */
export function runAttemptRows(db: DatabaseSync, runId: string): AttemptRow[] {
  return prepareCached(
    db,
    `SELECT id, step, story, phase, outcome, session_id FROM run_attempts
     WHERE run_id = ? ORDER BY number`,
  ).all(runId).map((row) => ({
    id: text(row, "id"),
    step: text(row, "step"),
    story: textOrNull(row, "story"),
    phase: text(row, "phase"),
    outcome: textOrNull(row, "outcome"),
    session_id: textOrNull(row, "session_id"),
  }));
}
