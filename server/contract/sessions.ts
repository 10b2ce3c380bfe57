/**
 * Flock's session rows on the wire (`GET /api/instances/{id}/sessions`,
 * `GET /api/sessions/{id}`). Built from OpenCode sessions by
 * `session_row.ts`.
 *
 * @module
 */

/** The state of a session as Flock records it. */
export type SessionStatus = "idle" | "busy" | "retry" | "error";

/** Token counts, as OpenCode reports them (a session's totals, or one reply's). */
export interface TokensJson {
  input: number;
  output: number;
  reasoning: number;
  cache: { read: number; write: number };
}

/**
 * A session as the API returns it; `id` is OpenCode's `ses_…` id.
 *
 * The optional fields are present once OpenCode reports them (a session
 * that has not been prompted yet has no `model` or `agent`):
 * - `parent_id`: set on a subagent's child session (OpenCode's
 *   `parentID`); top-level sessions have none.
 * - `model` (`"provider/model"`), `variant` and `agent`: what the session
 *   used last, which is what Flock sends with its next message unless the
 *   message names others (OpenCode records them per session; Flock keeps
 *   them in its table).
 * - `tokens` and `cost`: the session's running totals (its own replies;
 *   a child session's usage is on the child).
 */
export interface SessionJson {
  id: string;
  instance_id: string;
  title: string;
  status: SessionStatus;
  created_at: string;
  updated_at: string;
  parent_id?: string;
  model?: string;
  variant?: string;
  agent?: string;
  tokens?: TokensJson;
  cost?: number;
  /**
   * The directory OpenCode runs the session in: its instance's, or for a
   * session in its own worktree the worktree's. Absent on rows built before
   * Flock learnt it.
   */
  directory?: string;
  /** For a session in a worktree Flock made: its branch; otherwise null. */
  branch?: string | null;
  /** For a session in a worktree Flock made: what its branch merges into; otherwise null. */
  base?: string | null;
}
