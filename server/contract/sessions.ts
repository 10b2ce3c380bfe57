/**
 * Flock's session rows on the wire (`GET /api/instances/{id}/sessions`,
 * `GET /api/sessions/{id}`). Built from OpenCode sessions by
 * `session_row.ts`.
 *
 * @module
 */

/** The state of a session as Flock records it. */
export type SessionStatus = "idle" | "busy" | "retry" | "error";

/** A session as the API returns it; `id` is OpenCode's `ses_…` id. */
export interface SessionJson {
  id: string;
  instance_id: string;
  title: string;
  status: SessionStatus;
  created_at: string;
  updated_at: string;
}
