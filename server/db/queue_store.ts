/**
 * The `message_queue` table: follow-ups waiting for their session to go
 * idle, in sending order (see `contract/queue.ts`).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { QueuedMessageJson, QueueStatus } from "../contract/queue.ts";
import { prepareCached } from "./database.ts";
import { oneOf, type Row, text, textOrNull } from "./row.ts";

type StoredStatus = Exclude<QueueStatus, "sent">;
const STATUSES: readonly StoredStatus[] = ["queued", "sending", "failed"];
const KINDS: readonly QueuedMessageJson["kind"][] = ["message", "command"];

function toJson(row: Row): QueuedMessageJson {
  return {
    id: text(row, "id"),
    session_id: text(row, "session_id"),
    instance_id: text(row, "instance_id"),
    kind: oneOf(row, "kind", KINDS),
    text: text(row, "text"),
    command: textOrNull(row, "command"),
    model: textOrNull(row, "model"),
    agent: textOrNull(row, "agent"),
    variant: textOrNull(row, "variant"),
    status: oneOf(row, "status", STATUSES),
    error: textOrNull(row, "error"),
    created_at: text(row, "created_at"),
    updated_at: text(row, "updated_at"),
  };
}

const COLUMNS =
  "id, session_id, instance_id, kind, text, command, model, agent, variant, status, error, created_at, updated_at";

/** A message to queue. */
export type NewQueuedMessage = Pick<
  QueuedMessageJson,
  | "id"
  | "session_id"
  | "instance_id"
  | "kind"
  | "text"
  | "command"
  | "model"
  | "agent"
  | "variant"
>;

/** Reads and writes queued messages. */
export class QueueStore {
  #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Appends a message to its session's queue. */
  add(message: NewQueuedMessage): QueuedMessageJson {
    const row = prepareCached(
      this.#db,
      `INSERT INTO message_queue (id, session_id, instance_id, kind, text, command, model, agent, variant)
       VALUES (:id, :session_id, :instance_id, :kind, :text, :command, :model, :agent, :variant)
       RETURNING ${COLUMNS}`,
    ).get({ ...message });
    if (!row) throw new Error(`Cannot queue message ${message.id}`);
    return toJson(row);
  }

  /** One queued message, or undefined. */
  get(id: string): QueuedMessageJson | undefined {
    const row = prepareCached(
      this.#db,
      `SELECT ${COLUMNS} FROM message_queue WHERE id = ?`,
    ).get(id);
    return row ? toJson(row) : undefined;
  }

  /** A session's queue, in sending order. */
  list(sessionId: string): QueuedMessageJson[] {
    return prepareCached(
      this.#db,
      `SELECT ${COLUMNS} FROM message_queue WHERE session_id = ? ORDER BY seq`,
    ).all(sessionId).map(toJson);
  }

  /** The sessions of an instance that have queued messages. */
  sessionsOf(instanceId: string): string[] {
    return prepareCached(
      this.#db,
      `SELECT session_id FROM message_queue WHERE instance_id = ?
       GROUP BY session_id ORDER BY MIN(seq)`,
    ).all(instanceId).map((row) => text(row, "session_id"));
  }

  /** Sets a message's status (and error). Returns it, or undefined. */
  setStatus(
    id: string,
    status: StoredStatus,
    error: string | null = null,
  ): QueuedMessageJson | undefined {
    const row = prepareCached(
      this.#db,
      `UPDATE message_queue SET status = ?, error = ?,
         updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
       WHERE id = ? RETURNING ${COLUMNS}`,
    ).get(status, error, id);
    return row ? toJson(row) : undefined;
  }

  /** Removes a message. Returns whether it was there. */
  remove(id: string): boolean {
    return Number(
      prepareCached(this.#db, "DELETE FROM message_queue WHERE id = ?").run(id)
        .changes,
    ) > 0;
  }

  /** Forgets a session's queue (the session was deleted). */
  forgetSession(sessionId: string): void {
    prepareCached(this.#db, "DELETE FROM message_queue WHERE session_id = ?")
      .run(sessionId);
  }

  /**
   * At start: a message a previous Flock was handing over when it stopped
   * may or may not have reached OpenCode, so it becomes `failed` (shown,
   * never sent twice behind anyone's back).
   *
   * @returns The sessions whose queue changed.
   */
  failInterrupted(error: string): string[] {
    return prepareCached(
      this.#db,
      `UPDATE message_queue SET status = 'failed', error = ?,
         updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
       WHERE status = 'sending' RETURNING session_id`,
    ).all(error).map((row) => text(row, "session_id"));
  }
}
