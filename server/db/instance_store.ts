/**
 * The `instances` table: one row per supervised OpenCode child.
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import {
  INSTANCE_STATUSES,
  type InstanceJson,
  type InstanceStatus,
} from "../contract/instances.ts";
import { prepareCached } from "./database.ts";
import { int, intOrNull, oneOf, type Row, text, textOrNull } from "./row.ts";

/** The fields a caller may change on an instance row. */
export interface InstancePatch {
  name?: string;
  status?: InstanceStatus;
  pid?: number | null;
  port?: number | null;
  exit_code?: number | null;
  last_error?: string | null;
  restart_count?: number;
}

/** What is needed to create an instance row. */
export interface NewInstance {
  id: string;
  name: string;
  working_directory: string;
}

const COLUMNS =
  "id, name, pid, port, working_directory, status, exit_code, last_error, restart_count, created_at, updated_at";

function toJson(row: Row): InstanceJson {
  const pid = int(row, "pid");
  const port = int(row, "port");
  return {
    id: text(row, "id"),
    name: text(row, "name"),
    working_directory: text(row, "working_directory"),
    status: oneOf(row, "status", INSTANCE_STATUSES),
    pid: pid > 0 ? pid : null,
    port: port > 0 ? port : null,
    restart_count: int(row, "restart_count"),
    exit_code: intOrNull(row, "exit_code"),
    last_error: textOrNull(row, "last_error"),
    created_at: text(row, "created_at"),
    updated_at: text(row, "updated_at"),
  };
}

/** Reads and writes instance rows. Pure SQL over an injected database. */
export class InstanceStore {
  #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Inserts a new instance in `starting`. */
  create(instance: NewInstance): InstanceJson {
    const row = prepareCached(
      this.#db,
      `INSERT INTO instances (id, name, working_directory, status)
       VALUES (?, ?, ?, 'starting') RETURNING ${COLUMNS}`,
    ).get(instance.id, instance.name, instance.working_directory);
    if (!row) throw new Error(`Cannot create instance: ${instance.id}`);
    return toJson(row);
  }

  /** Returns the instance, or undefined. */
  get(id: string): InstanceJson | undefined {
    const row = prepareCached(
      this.#db,
      `SELECT ${COLUMNS} FROM instances WHERE id = ?`,
    )
      .get(id);
    return row ? toJson(row) : undefined;
  }

  /** Every instance, newest first. */
  list(): InstanceJson[] {
    const rows = prepareCached(
      this.#db,
      `SELECT ${COLUMNS} FROM instances ORDER BY created_at DESC, rowid DESC`,
    ).all();
    return rows.map(toJson);
  }

  /** The instance for this directory that is `starting` or `running`, if any. */
  findActiveByDirectory(workingDirectory: string): InstanceJson | undefined {
    const row = prepareCached(
      this.#db,
      `SELECT ${COLUMNS} FROM instances
       WHERE working_directory = ? AND status IN ('starting', 'running')
       LIMIT 1`,
    ).get(workingDirectory);
    return row ? toJson(row) : undefined;
  }

  /**
   * Applies a patch and bumps `updated_at`.
   *
   * @returns The updated instance, or undefined if the id is unknown.
   */
  update(id: string, patch: InstancePatch): InstanceJson | undefined {
    const sets: string[] = [];
    const values: SQLInputValue[] = [];
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (key === "pid" || key === "port") {
        sets.push(`${key} = ?`);
        values.push(value === null ? 0 : value as number);
        continue;
      }
      sets.push(`${key} = ?`);
      values.push(value as SQLInputValue);
    }
    sets.push("updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");
    const row = prepareCached(
      this.#db,
      `UPDATE instances SET ${
        sets.join(", ")
      } WHERE id = ? RETURNING ${COLUMNS}`,
    ).get(...values, id);
    return row ? toJson(row) : undefined;
  }

  /** Deletes the instance and, by cascade, its sessions. Returns whether it existed. */
  delete(id: string): boolean {
    const result = prepareCached(this.#db, "DELETE FROM instances WHERE id = ?")
      .run(
        id,
      );
    return Number(result.changes) > 0;
  }

  /**
   * Instances a dead Flock left `starting`, `running` or `stopping`: the rows
   * boot reconciliation must settle.
   */
  listUnsettled(): InstanceJson[] {
    const rows = prepareCached(
      this.#db,
      `SELECT ${COLUMNS} FROM instances
       WHERE status IN ('starting', 'running', 'stopping')`,
    ).all();
    return rows.map(toJson);
  }
}
