/**
 * The `workflow_revisions` table: installed workflows, versioned. Each
 * install of an id adds a revision; the installed workflow is the newest
 * revision not removed. Runs keep pointing at the revision they started
 * with, whose spec and agent texts never change.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { WorkflowJson } from "../contract/workflows.ts";
import { toWorkflowJson } from "../workflows/run_json.ts";
import { pinWorkflow, type RunWorkflow } from "../workflows/run_state.ts";
import type { LoadedWorkflow } from "../workflows/workflow_loader.ts";
import {
  WorkflowInUseError,
  WorkflowNotFoundError,
} from "../runs/run_errors.ts";
import { prepareCached, transaction } from "./database.ts";
import { int, type Row, RowError, text } from "./row.ts";

/** An installed revision: its JSON and what runs of it follow. */
export interface WorkflowRevision {
  json: WorkflowJson;
  pinned: RunWorkflow;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads a JSON column that must hold an object; `check` names what it must be. */
export function jsonColumn<T>(
  row: Row,
  column: string,
  check: (value: unknown) => value is T,
): T {
  const raw = text(row, column);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new RowError(column, raw);
  }
  if (!check(value)) throw new RowError(column, raw);
  return value;
}

function isWorkflowJson(value: unknown): value is WorkflowJson {
  return isRecord(value) && typeof value.id === "string" &&
    Array.isArray(value.steps) && Array.isArray(value.agents);
}

function isRunWorkflow(value: unknown): value is RunWorkflow {
  return isRecord(value) && isRecord(value.spec) &&
    typeof value.spec.id === "string" && Array.isArray(value.spec.steps) &&
    Array.isArray(value.spec.agents) && isRecord(value.systems);
}

const LATEST = `SELECT info, revision FROM workflow_revisions w
  WHERE removed_at IS NULL AND revision = (
    SELECT max(revision) FROM workflow_revisions v WHERE v.workflow_id = w.workflow_id
  )`;

function infoOf(row: Row): WorkflowJson {
  return { ...jsonColumn(row, "info", isWorkflowJson) };
}

/** Reads and writes installed workflows. */
export class WorkflowStore {
  #db: DatabaseSync;
  #pinned = new Map<string, RunWorkflow>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /**
   * Installs a loaded workflow as the next revision of its id (the first
   * after a removal too), in one `BEGIN IMMEDIATE` transaction.
   */
  install(loaded: LoadedWorkflow, at: number): WorkflowJson {
    return transaction(this.#db, () => {
      const id = loaded.spec.id;
      const last = prepareCached(
        this.#db,
        "SELECT coalesce(max(revision), 0) AS n FROM workflow_revisions WHERE workflow_id = ?",
      ).get(id);
      const revision = (last ? int(last, "n") : 0) + 1;
      const json = toWorkflowJson(loaded, at, revision);
      prepareCached(
        this.#db,
        `INSERT INTO workflow_revisions
           (workflow_id, revision, version, yaml, pinned, info, installed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id,
        revision,
        loaded.spec.version,
        loaded.yaml,
        JSON.stringify(pinWorkflow(loaded)),
        JSON.stringify(json),
        json.installed_at,
      );
      return json;
    });
  }

  /** The installed workflow (its newest revision), or undefined. */
  get(id: string): WorkflowJson | undefined {
    const row = prepareCached(this.#db, `${LATEST} AND workflow_id = ?`).get(
      id,
    );
    return row ? infoOf(row) : undefined;
  }

  /** The installed workflow with what its runs follow. */
  current(id: string): WorkflowRevision | undefined {
    const json = this.get(id);
    if (json === undefined) return undefined;
    return { json, pinned: this.pinned(id, json.revision) };
  }

  /** Every installed workflow, by id. */
  list(): WorkflowJson[] {
    return prepareCached(this.#db, `${LATEST} ORDER BY workflow_id`).all()
      .map(infoOf);
  }

  /**
   * What runs of a revision follow (removed revisions included: their runs
   * still need them). Cached: a revision never changes.
   *
   * @throws {WorkflowNotFoundError} when the revision does not exist.
   */
  pinned(id: string, revision: number): RunWorkflow {
    const key = `${id}\u0000${revision}`;
    const cached = this.#pinned.get(key);
    if (cached) return cached;
    const row = prepareCached(
      this.#db,
      "SELECT pinned FROM workflow_revisions WHERE workflow_id = ? AND revision = ?",
    ).get(id, revision);
    if (!row) throw new WorkflowNotFoundError(`${id} (revision ${revision})`);
    const pinned = jsonColumn(row, "pinned", isRunWorkflow);
    this.#pinned.set(key, pinned);
    return pinned;
  }

  /**
   * Removes the workflow: its revisions stay for the runs that followed
   * them, and no new run can start. Refused while a run of it is active.
   *
   * @throws {WorkflowNotFoundError} when it is not installed.
   * @throws {WorkflowInUseError} when a run of it is running or blocked.
   */
  remove(id: string, at: number): void {
    transaction(this.#db, () => {
      if (!this.get(id)) throw new WorkflowNotFoundError(id);
      const active = prepareCached(
        this.#db,
        `SELECT id FROM runs WHERE workflow_id = ?
         AND status IN ('running', 'blocked') ORDER BY run_number`,
      ).all(id).map((row) => text(row, "id"));
      if (active.length > 0) throw new WorkflowInUseError(id, active);
      prepareCached(
        this.#db,
        "UPDATE workflow_revisions SET removed_at = ? WHERE workflow_id = ? AND removed_at IS NULL",
      ).run(new Date(at).toISOString(), id);
    });
  }
}
