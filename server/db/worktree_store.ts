/**
 * The `session_worktrees` table: the git worktrees Flock made for sessions
 * (it owns them: it removes them when their session is deleted).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { prepareCached } from "./database.ts";
import { type Row, text } from "./row.ts";

/** A worktree Flock made for a session. */
export interface SessionWorktree {
  session_id: string;
  instance_id: string;
  /** The worktree's directory (under Flock's data directory). */
  path: string;
  /** The repository's main work tree (the instance's repository). */
  repo: string;
  branch: string;
  /** What the branch merges into (a local branch, or a ref diffs can use). */
  base: string;
  /** The commit the branch started at. */
  base_commit: string;
  created_at: string;
}

const COLUMNS =
  "session_id, instance_id, path, repo, branch, base, base_commit, created_at";

function toWorktree(row: Row): SessionWorktree {
  return {
    session_id: text(row, "session_id"),
    instance_id: text(row, "instance_id"),
    path: text(row, "path"),
    repo: text(row, "repo"),
    branch: text(row, "branch"),
    base: text(row, "base"),
    base_commit: text(row, "base_commit"),
    created_at: text(row, "created_at"),
  };
}

/** Reads and writes the worktrees Flock owns. */
export class WorktreeStore {
  #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Records a worktree made for a session. */
  add(worktree: Omit<SessionWorktree, "created_at">): SessionWorktree {
    const row = prepareCached(
      this.#db,
      `INSERT INTO session_worktrees (session_id, instance_id, path, repo, branch, base, base_commit)
       VALUES (:session_id, :instance_id, :path, :repo, :branch, :base, :base_commit)
       RETURNING ${COLUMNS}`,
    ).get({ ...worktree });
    if (!row) {
      throw new Error(`Cannot record the worktree of ${worktree.session_id}`);
    }
    return toWorktree(row);
  }

  /** The session's worktree, or undefined. */
  get(sessionId: string): SessionWorktree | undefined {
    const row = prepareCached(
      this.#db,
      `SELECT ${COLUMNS} FROM session_worktrees WHERE session_id = ?`,
    ).get(sessionId);
    return row ? toWorktree(row) : undefined;
  }

  /** The instance's worktrees, oldest first. */
  listByInstance(instanceId: string): SessionWorktree[] {
    return prepareCached(
      this.#db,
      `SELECT ${COLUMNS} FROM session_worktrees WHERE instance_id = ?
       ORDER BY created_at, rowid`,
    ).all(instanceId).map(toWorktree);
  }

  /** Every recorded worktree. */
  list(): SessionWorktree[] {
    return prepareCached(
      this.#db,
      `SELECT ${COLUMNS} FROM session_worktrees ORDER BY created_at, rowid`,
    ).all().map(toWorktree);
  }

  /**
   * Hands the worktree `from` owns to session `to` (which owns none).
   * Returns whether `from` owned one.
   */
  transfer(from: string, to: string): boolean {
    return Number(
      prepareCached(
        this.#db,
        "UPDATE session_worktrees SET session_id = ? WHERE session_id = ?",
      ).run(to, from).changes,
    ) > 0;
  }

  /** Forgets the session's worktree. Returns whether it was recorded. */
  delete(sessionId: string): boolean {
    return Number(
      prepareCached(
        this.#db,
        "DELETE FROM session_worktrees WHERE session_id = ?",
      ).run(sessionId).changes,
    ) > 0;
  }
}
