/**
 * Flock's marks of one session, indexed the way the conversation renders
 * them: tool parts cut off by their OpenCode's end (`interrupted`), by
 * message, and replies aborted while OpenCode retried (`aborted`).
 *
 * @module
 */
import type { MarkJson } from "../../server/contract/marks.ts";

/** The marks of one session, by message. */
export interface MarkIndex {
  /** Interrupted tool parts (`prt_…`), by message id. */
  readonly interrupted: ReadonlyMap<string, ReadonlySet<string>>;
  /** Messages whose reply was aborted during a provider retry. */
  readonly aborted: ReadonlySet<string>;
}

/** Indexes a session's marks (see {@linkcode MarkIndex}). */
export function indexMarks(marks: readonly MarkJson[]): MarkIndex {
  const interrupted = new Map<string, Set<string>>();
  const aborted = new Set<string>();
  for (const m of marks) {
    if (m.kind === "aborted") {
      aborted.add(m.message_id);
    } else if (m.part_id !== null) {
      const parts = interrupted.get(m.message_id) ?? new Set<string>();
      parts.add(m.part_id);
      interrupted.set(m.message_id, parts);
    }
  }
  return { interrupted, aborted };
}
