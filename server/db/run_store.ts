/**
 * The runs of workflows: their state, the commands still to carry out (the
 * outbox), their attempts and their transitions. Each change is one
 * `BEGIN IMMEDIATE` transaction that writes the new state, the attempt rows
 * it implies, the commands it asks for and the event that caused it, so
 * after a crash the database holds a state together with exactly the
 * commands that state still owes.
 *
 * "At most one live attempt per run" (hence per step) is enforced by a
 * unique index on `run_attempts`: a state that broke it could not be saved.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { RunSummaryJson } from "../contract/workflows.ts";
import {
  isCommand,
  iso,
  isStoredState,
  RECORD_COLUMNS,
  type RunWorktreePlace,
  type RunWorktreeRecord,
  sameAttempt,
  storedStateOf,
  worktreeOf,
  worktreeState,
} from "./run_rows.ts";
import { RunNotFoundError } from "../runs/run_errors.ts";
import type {
  Decision,
  RunCommand,
  RunEvent,
} from "../workflows/decide_types.ts";
import { toRunSummaryJson } from "../workflows/run_json.ts";
import { createRunState, type RunState } from "../workflows/run_state.ts";
import { prepareCached, transaction } from "./database.ts";
import { int, type Row, text, textOrNull } from "./row.ts";
import { jsonColumn, type WorkflowStore } from "./workflow_store.ts";
import {
  type AttemptRow,
  runAttemptRows,
  type RunTransition,
  runTransitions,
} from "./run_history.ts";

import {
  finishRunWorktree,
  runWorktreeDirectories,
} from "./run_worktree_rows.ts";

import { listRunSummaries, type RunFilter } from "./run_summaries.ts";

export type { AttemptRow, RunTransition } from "./run_history.ts";
export type { RunFilter } from "./run_summaries.ts";
import { WorkflowNotFoundError } from "../runs/run_errors.ts";

/** A run as stored: its state (with its pinned workflow) and where it works. */
export interface RunRecord {
  state: RunState;
  workflowId: string;
  revision: number;
  /** The directory its sessions work in. */
  directory: string;
  /** HEAD when the run was created (git repositories only). */
  baseCommit: string | null;
  /** The run's own worktree (`directory` is inside it), or null. */
  worktree: RunWorktreeRecord | null;
}

/** A command from the outbox, with the sequence number that confirms it. */
export interface PendingCommand {
  seq: number;
  runId: string;
  command: RunCommand;
}

/** What a new run needs. */
export interface NewRun {
  id: string;
  workflowId: string;
  instanceId: string;
  task: string;
  directory: string;
  baseCommit: string | null;
  at: number;
  /** Its own worktree (made before the run). Default none. */
  worktree?: RunWorktreePlace | null;
  /** The run number (made before the run, for its branch); default max + 1. */
  runNumber?: number;
}

/** Reads and writes runs. */
export class RunStore {
  #db: DatabaseSync;
  #workflows: WorkflowStore;

  constructor(db: DatabaseSync, workflows: WorkflowStore) {
    this.#db = db;
    this.#workflows = workflows;
  }

  /**
   * Creates a run of the workflow's installed revision, with the next run
   * number, and saves what `start` decides for it, all in one transaction.
   *
   * @param start Applies the `start` event to the new state.
   * @throws {WorkflowNotFoundError} when the workflow is not installed.
   */
  create(
    run: NewRun,
    start: (state: RunState) => Decision,
  ): { record: RunRecord; commands: PendingCommand[]; decision: Decision } {
    return transaction(this.#db, () => {
      const current = this.#workflows.current(run.workflowId);
      if (!current) throw new WorkflowNotFoundError(run.workflowId);
      const runNumber = run.runNumber ?? this.nextRunNumber();
      const worktree: RunWorktreeRecord | null = run.worktree
        ? { ...run.worktree, merged: null, removed: null }
        : null;
      const initial = createRunState({
        id: run.id,
        runNumber,
        instanceId: run.instanceId,
        workflow: current.pinned,
        task: run.task,
        at: run.at,
        worktree: worktreeState(worktree),
      });
      const decision = start(initial);
      if (decision.rejected !== null) {
        throw new Error(`Cannot start run ${run.id}: ${decision.rejected}`);
      }
      const state = decision.state;
      const summary = toRunSummaryJson(state);
      prepareCached(
        this.#db,
        `INSERT INTO runs (id, run_number, workflow_id, revision, instance_id,
           directory, base_commit, status, blocked_reason, state, summary,
           created_at, updated_at, worktree_path, worktree_branch,
           worktree_base, worktree_repo)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        run.id,
        runNumber,
        run.workflowId,
        current.json.revision,
        run.instanceId,
        run.directory,
        run.baseCommit,
        state.status,
        summary.blocked_reason,
        storedStateOf(state),
        JSON.stringify(summary),
        summary.created_at,
        summary.updated_at,
        worktree?.path ?? null,
        worktree?.branch ?? null,
        worktree?.base ?? null,
        worktree?.repo ?? null,
      );
      this.#writeAttempts(null, state);
      const commands = this.#writeOutbox(run.id, decision.commands);
      this.#writeTransition(state, { type: "start", at: run.at });
      return {
        record: {
          state,
          workflowId: run.workflowId,
          revision: current.json.revision,
          directory: run.directory,
          baseCommit: run.baseCommit,
          worktree,
        },
        commands,
        decision,
      };
    });
  }

  /** The number the next run gets: the highest so far plus one. */
  nextRunNumber(): number {
    const last = prepareCached(
      this.#db,
      "SELECT coalesce(max(run_number), 0) AS n FROM runs",
    ).get();
    return (last ? int(last, "n") : 0) + 1;
  }

  /**
   * Records what became of a run's worktree: merged into its base by Flock
   * and/or removed.
   *
   * @throws {RunNotFoundError} when the run has no worktree (or no row).
   */
  finishWorktree(
    runId: string,
    change: Pick<RunWorktreeRecord, "merged" | "removed">,
  ): void {
    finishRunWorktree(this.#db, runId, change);
  }

  /** The directories the runs of an instance that have worktrees work in. */
  worktreeDirectories(instanceId: string): string[] {
    return runWorktreeDirectories(this.#db, instanceId);
  }

  /**
   * Saves an accepted decision: the new state, its attempt rows, its
   * commands and the event, in one transaction.
   *
   * @returns The commands with their outbox sequence numbers.
   */
  save(
    before: RunState,
    decision: Decision,
    event: RunEvent,
  ): PendingCommand[] {
    const state = decision.state;
    return transaction(this.#db, () => {
      const summary = toRunSummaryJson(state);
      const changed = prepareCached(
        this.#db,
        `UPDATE runs SET status = ?, blocked_reason = ?, state = ?, summary = ?,
           updated_at = ? WHERE id = ?`,
      ).run(
        state.status,
        summary.blocked_reason,
        storedStateOf(state),
        JSON.stringify(summary),
        summary.updated_at,
        state.id,
      );
      if (Number(changed.changes) !== 1) throw new RunNotFoundError(state.id);
      this.#writeAttempts(before, state);
      const commands = this.#writeOutbox(state.id, decision.commands);
      this.#writeTransition(state, event);
      return commands;
    });
  }

  #writeAttempts(before: RunState | null, after: RunState): void {
    const upsert = prepareCached(
      this.#db,
      `INSERT INTO run_attempts (id, run_id, number, step, story, phase, outcome,
         session_id, started_at, ended_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET phase = excluded.phase,
         outcome = excluded.outcome, session_id = excluded.session_id,
         ended_at = excluded.ended_at`,
    );
    // In number order: an attempt that ends is updated before the next one
    // is inserted, so the one-live-attempt index holds between statements.
    const attempts = [...after.attempts].sort((a, b) => a.number - b.number);
    for (const attempt of attempts) {
      const old = before?.attempts.find((a) => a.id === attempt.id);
      if (old !== undefined && sameAttempt(old, attempt)) continue;
      upsert.run(
        attempt.id,
        after.id,
        attempt.number,
        attempt.step,
        attempt.story,
        attempt.phase,
        attempt.outcome,
        attempt.sessionId,
        iso(attempt.startedAt),
        attempt.endedAt === null ? null : iso(attempt.endedAt),
      );
    }
  }

  #writeOutbox(runId: string, commands: RunCommand[]): PendingCommand[] {
    const insert = prepareCached(
      this.#db,
      "INSERT INTO run_outbox (run_id, command) VALUES (?, ?) RETURNING seq",
    );
    return commands.map((command) => {
      const row = insert.get(runId, JSON.stringify(command));
      if (!row) throw new Error(`Cannot queue a command of run ${runId}`);
      return { seq: int(row, "seq"), runId, command };
    });
  }

  #writeTransition(state: RunState, event: RunEvent): void {
    prepareCached(
      this.#db,
      `INSERT INTO run_transitions (run_id, at, type, event, status)
       VALUES (?, ?, ?, ?, ?)`,
    ).run(
      state.id,
      iso(event.at),
      event.type,
      JSON.stringify(event),
      state.status,
    );
  }

  /** Marks a command as carried out (it leaves the outbox). */
  confirm(seq: number): void {
    prepareCached(this.#db, "DELETE FROM run_outbox WHERE seq = ?").run(seq);
  }

  /** The commands not yet confirmed, oldest first (of one run, or of all). */
  outbox(runId?: string): PendingCommand[] {
    const rows = runId === undefined
      ? prepareCached(
        this.#db,
        "SELECT seq, run_id, command FROM run_outbox ORDER BY seq",
      ).all()
      : prepareCached(
        this.#db,
        "SELECT seq, run_id, command FROM run_outbox WHERE run_id = ? ORDER BY seq",
      ).all(runId);
    return rows.map((row) => ({
      seq: int(row, "seq"),
      runId: text(row, "run_id"),
      command: jsonColumn(row, "command", isCommand),
    }));
  }

  /** The run, or undefined. */
  get(id: string): RunRecord | undefined {
    const row = prepareCached(
      this.#db,
      `SELECT ${RECORD_COLUMNS} FROM runs WHERE id = ?`,
    ).get(id);
    return row ? this.#recordOf(row) : undefined;
  }

  /** Every run that is running or blocked. */
  active(): RunRecord[] {
    return prepareCached(
      this.#db,
      `SELECT ${RECORD_COLUMNS} FROM runs
       WHERE status IN ('running', 'blocked') ORDER BY run_number`,
    ).all().map((row) => this.#recordOf(row));
  }

  #recordOf(row: Row): RunRecord {
    const workflowId = text(row, "workflow_id");
    const revision = int(row, "revision");
    const stored = jsonColumn(row, "state", isStoredState);
    const worktree = worktreeOf(row);
    return {
      state: {
        ...stored,
        workflow: this.#workflows.pinned(workflowId, revision),
        worktree: worktreeState(worktree),
      },
      workflowId,
      revision,
      directory: text(row, "directory"),
      baseCommit: textOrNull(row, "base_commit"),
      worktree,
    };
  }

  /** Summaries of the runs that pass the filter, newest first. */
  list(filter: RunFilter = {}, limit = 500): RunSummaryJson[] {
    return listRunSummaries(this.#db, filter, limit);
  }

  /** The run's accepted events, in order. */
  transitions(runId: string): RunTransition[] {
    return runTransitions(this.#db, runId);
  }

  /** The attempt rows of a run (`phase`, `outcome`, `session_id`), in order. */
  attemptRows(runId: string): AttemptRow[] {
    return runAttemptRows(this.#db, runId);
  }
}
