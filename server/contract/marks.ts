/**
 * Flock's marks on messages and tool calls that OpenCode leaves without an
 * end, and the messages as Flock's API returns them.
 *
 * - `interrupted` (on a tool part): the tool call was pending or running
 *   when the instance's OpenCode died or was stopped. OpenCode keeps such a
 *   part `running` forever; the mark says it is not.
 * - `aborted` (on an assistant message): the reply was aborted while
 *   OpenCode was retrying the provider; OpenCode then ends the message with
 *   no parts and no error, so the mark is what says "Aborted".
 *
 * A mark is removed when OpenCode later reports the part finished.
 *
 * @module
 */
import type { OpenCodeMessageWithParts } from "./opencode.ts";

/** What a mark says. */
export type MarkKind = "interrupted" | "aborted";

/** One mark, keyed by the part (`interrupted`) or the message (`aborted`). */
export interface MarkJson {
  kind: MarkKind;
  session_id: string;
  message_id: string;
  /** The tool part (`prt_…`) of an `interrupted` mark; null on a message mark. */
  part_id: string | null;
  /** The tool's name, for an `interrupted` mark. */
  tool: string | null;
  /** Why, for people: e.g. "OpenCode exited unexpectedly". */
  reason: string;
  /** When Flock set the mark. */
  at: string;
}

/**
 * One element of `GET /api/sessions/{id}/messages`: OpenCode's message and
 * parts, untouched, plus Flock's marks on them (`marks` is present only
 * when there are some).
 */
export type MessageJson = OpenCodeMessageWithParts & { marks?: MarkJson[] };
