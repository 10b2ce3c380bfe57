/**
 * The `live_tool_parts` and `marks` tables: the tool calls last seen
 * pending or running, and Flock's marks on the parts and messages that
 * OpenCode leaves without an end (see `contract/marks.ts`).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { MarkJson, MarkKind } from "../contract/marks.ts";
import { prepareCached, transaction } from "./database.ts";
import { oneOf, type Row, text, textOrNull } from "./row.ts";

const KINDS: readonly MarkKind[] = ["interrupted", "aborted"];

/** A tool call that was pending or running when last seen. */
export interface LiveToolPart {
  part_id: string;
  session_id: string;
  message_id: string;
  instance_id: string;
  tool: string;
}

function toMark(row: Row): MarkJson {
  return {
    kind: oneOf(row, "kind", KINDS),
    session_id: text(row, "session_id"),
    message_id: text(row, "message_id"),
    part_id: textOrNull(row, "part_id"),
    tool: textOrNull(row, "tool"),
    reason: text(row, "reason"),
    at: text(row, "created_at"),
  };
}

const MARK_COLUMNS =
  "kind, session_id, message_id, part_id, tool, reason, created_at";

/** Reads and writes live tool parts and marks. */
export class MarkStore {
  #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Every live tool part, for the in-memory index. */
  liveParts(): LiveToolPart[] {
    return prepareCached(
      this.#db,
      "SELECT part_id, session_id, message_id, instance_id, tool FROM live_tool_parts",
    ).all().map((row) => ({
      part_id: text(row, "part_id"),
      session_id: text(row, "session_id"),
      message_id: text(row, "message_id"),
      instance_id: text(row, "instance_id"),
      tool: text(row, "tool"),
    }));
  }

  /** Records a tool part as live. */
  addLive(part: LiveToolPart): void {
    prepareCached(
      this.#db,
      `INSERT INTO live_tool_parts (part_id, session_id, message_id, instance_id, tool)
       VALUES (:part_id, :session_id, :message_id, :instance_id, :tool)
       ON CONFLICT (part_id) DO NOTHING`,
    ).run({ ...part });
  }

  /** Forgets a live tool part (it finished). */
  removeLive(partId: string): void {
    prepareCached(this.#db, "DELETE FROM live_tool_parts WHERE part_id = ?")
      .run(partId);
  }

  /**
   * Turns live tool parts into `interrupted` marks (one transaction).
   *
   * @returns The marks made.
   */
  interrupt(parts: readonly LiveToolPart[], reason: string): MarkJson[] {
    return transaction(this.#db, () =>
      parts.flatMap((part) => {
        this.removeLive(part.part_id);
        const row = prepareCached(
          this.#db,
          `INSERT INTO marks (key, kind, session_id, message_id, part_id, tool, instance_id, reason)
           VALUES (:key, 'interrupted', :session_id, :message_id, :part_id, :tool, :instance_id, :reason)
           ON CONFLICT (key) DO NOTHING
           RETURNING ${MARK_COLUMNS}`,
        ).get({
          key: part.part_id,
          session_id: part.session_id,
          message_id: part.message_id,
          part_id: part.part_id,
          tool: part.tool,
          instance_id: part.instance_id,
          reason,
        });
        return row ? [toMark(row)] : [];
      }));
  }

  /** Marks a reply `aborted`; returns the mark, or undefined when it had one. */
  markAborted(
    mark: { session_id: string; message_id: string; instance_id: string },
    reason: string,
  ): MarkJson | undefined {
    const row = prepareCached(
      this.#db,
      `INSERT INTO marks (key, kind, session_id, message_id, part_id, tool, instance_id, reason)
       VALUES (:key, 'aborted', :session_id, :message_id, NULL, NULL, :instance_id, :reason)
       ON CONFLICT (key) DO NOTHING
       RETURNING ${MARK_COLUMNS}`,
    ).get({ key: mark.message_id, ...mark, reason });
    return row ? toMark(row) : undefined;
  }

  /** Removes the mark keyed by a part or message id; returns its session, if any. */
  removeMark(key: string): string | undefined {
    const row = prepareCached(
      this.#db,
      "DELETE FROM marks WHERE key = ? RETURNING session_id",
    ).get(key);
    return row ? text(row, "session_id") : undefined;
  }

  /** A session's marks, oldest first. */
  marksOf(sessionId: string): MarkJson[] {
    return prepareCached(
      this.#db,
      `SELECT ${MARK_COLUMNS} FROM marks WHERE session_id = ?
       ORDER BY created_at, rowid`,
    ).all(sessionId).map(toMark);
  }

  /** Forgets everything about a session (it was deleted). */
  forgetSession(sessionId: string): void {
    prepareCached(this.#db, "DELETE FROM marks WHERE session_id = ?")
      .run(sessionId);
    prepareCached(this.#db, "DELETE FROM live_tool_parts WHERE session_id = ?")
      .run(sessionId);
  }
}
