/**
 * Messages queued in Flock while their session was busy, on the wire.
 *
 * `POST /api/sessions/{id}/messages` (and `…/command`) answers with one of
 * these: `status: "sent"` when it went to OpenCode at once, `"queued"`
 * when the session was busy (or other messages wait before it). A queued
 * message is sent, in order, the moment its session goes idle; while it
 * is being handed to OpenCode it is `"sending"`; once OpenCode has it, it
 * leaves the queue. A send that fails stays in the queue as `"failed"`
 * with its `error` (and holds back the messages after it) until it is
 * retried or cancelled.
 *
 * @module
 */

/** Where a message is on its way to OpenCode. */
export type QueueStatus = "sent" | "queued" | "sending" | "failed";

/** A message or a command for a session. */
export interface QueuedMessageJson {
  /** Flock's id (`q_…`). */
  id: string;
  session_id: string;
  instance_id: string;
  /** `message` (a prompt) or `command` (a `/command`). */
  kind: "message" | "command";
  /** The prompt, or the command's arguments. */
  text: string;
  /** The command's name, for a command. */
  command: string | null;
  /** The `"provider/model"` it was sent or is to be sent with, when named. */
  model: string | null;
  agent: string | null;
  variant: string | null;
  status: QueueStatus;
  /** Why the last send failed (`failed` only). */
  error: string | null;
  created_at: string;
  updated_at: string;
}
