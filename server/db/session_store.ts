/**
 * The `sessions` table: Flock's record of OpenCode sessions per instance.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { SessionJson, SessionStatus } from "../contract/sessions.ts";
import { prepareCached, transaction } from "./database.ts";
import { oneOf, type Row, text } from "./row.ts";

const SESSION_STATUSES: readonly SessionStatus[] = [
  "idle",
  "busy",
  "retry",
  "error",
];

function toJson(row: Row): SessionJson {
  return {
    id: text(row, "id"),
    instance_id: text(row, "instance_id"),
    title: text(row, "title"),
    status: oneOf(row, "status", SESSION_STATUSES),
    created_at: text(row, "created_at"),
    updated_at: text(row, "updated_at"),
  };
}

function toJsonOrUndefined(row: Row | undefined): SessionJson | undefined {
  return row ? toJson(row) : undefined;
}

/** What is needed to record a session. */
export interface NewSession {
  id: string;
  instance_id: string;
  title: string;
  status?: SessionStatus;
  created_at?: string;
  updated_at?: string;
}

const COLUMNS = "id, instance_id, title, status, created_at, updated_at";

/** Reads and writes session rows. */
export class SessionStore {
  #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Inserts a session, or updates its title and status if it exists. */
  upsert(session: NewSession): SessionJson {
    const row = prepareCached(
      this.#db,
      `INSERT INTO sessions (id, instance_id, title, status, created_at, updated_at)
       VALUES (:id, :instance_id, :title, :status,
         COALESCE(:created_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
         COALESCE(:updated_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))
       ON CONFLICT (id) DO UPDATE SET
         title = excluded.title,
         status = excluded.status,
         updated_at = excluded.updated_at
       RETURNING ${COLUMNS}`,
    ).get({
      id: session.id,
      instance_id: session.instance_id,
      title: session.title,
      status: session.status ?? "idle",
      created_at: session.created_at ?? null,
      updated_at: session.updated_at ?? null,
    });
    if (!row) throw new Error(`Cannot record session: ${session.id}`);
    return toJson(row);
  }

  /** Returns the session, or undefined. */
  get(id: string): SessionJson | undefined {
    return toJsonOrUndefined(
      prepareCached(this.#db, `SELECT ${COLUMNS} FROM sessions WHERE id = ?`)
        .get(id),
    );
  }

  /** The instance's sessions, newest first. */
  listByInstance(instanceId: string): SessionJson[] {
    return prepareCached(
      this.#db,
      `SELECT ${COLUMNS} FROM sessions WHERE instance_id = ?
       ORDER BY created_at DESC, rowid DESC`,
    ).all(instanceId).map(toJson);
  }

  /** Sets the status (and bumps `updated_at`). Returns the session, or undefined. */
  setStatus(id: string, status: SessionStatus): SessionJson | undefined {
    return toJsonOrUndefined(
      prepareCached(
        this.#db,
        `UPDATE sessions SET status = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
       WHERE id = ? RETURNING ${COLUMNS}`,
      ).get(status, id),
    );
  }

  /** Sets the title. Returns the session, or undefined. */
  setTitle(id: string, title: string): SessionJson | undefined {
    return toJsonOrUndefined(
      prepareCached(
        this.#db,
        `UPDATE sessions SET title = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
       WHERE id = ? RETURNING ${COLUMNS}`,
      ).get(title, id),
    );
  }

  /** Deletes the session. Returns whether it existed. */
  delete(id: string): boolean {
    return Number(
      prepareCached(this.#db, "DELETE FROM sessions WHERE id = ?").run(id)
        .changes,
    ) > 0;
  }

  /**
   * Replaces the instance's recorded sessions with `sessions` (as synced from
   * OpenCode): upserts each, deletes rows OpenCode no longer has.
   */
  replaceForInstance(
    instanceId: string,
    sessions: NewSession[],
  ): SessionJson[] {
    return transaction(this.#db, () => {
      const keep = new Set(sessions.map((s) => s.id));
      for (const s of this.listByInstance(instanceId)) {
        if (!keep.has(s.id)) this.delete(s.id);
      }
      for (const s of sessions) this.upsert(s);
      return this.listByInstance(instanceId);
    });
  }

  /** Marks every busy or retrying session of the instance idle (its child is gone). */
  settleInstance(instanceId: string): void {
    prepareCached(
      this.#db,
      `UPDATE sessions SET status = 'idle', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
       WHERE instance_id = ? AND status IN ('busy', 'retry')`,
    ).run(instanceId);
  }
}
