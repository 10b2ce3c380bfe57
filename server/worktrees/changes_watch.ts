/**
 * Turns OpenCode's hints that files changed into Flock's `session.changes`
 * event, so a page showing a session's diff reads it again:
 *
 * - `session.diff` and `session.idle` name their session;
 * - `file.edited` names only a file, so it goes to every session whose
 *   directory holds it (with the directory OpenCode reported for the event,
 *   when the publisher knows it, as the first guess).
 *
 * The decision is pure ({@linkcode changesOf}); {@linkcode watchChanges}
 * wires it to `publish`, publishing after the event that caused it.
 *
 * @module
 */
import type { WireEvent } from "../contract/events.ts";
import { isFlockEvent } from "../contract/event_types.ts";
import type { SessionJson } from "../contract/sessions.ts";
import type {
  SessionChangesEvent,
  SessionChangesReason,
} from "../contract/worktrees.ts";

/** What {@linkcode changesOf} needs to know about sessions. */
export interface ChangesLookup {
  /** The recorded session, if any. */
  session(id: string): SessionJson | undefined;
  /** The instance's sessions with the directory each works in. */
  sessionsOf(
    instanceId: string,
  ): ReadonlyArray<{ id: string; directory: string }>;
}

function event(
  instanceId: string,
  sessionID: string,
  reason: SessionChangesReason,
): SessionChangesEvent {
  return {
    type: "session.changes",
    instance_id: instanceId,
    properties: { sessionID, reason },
  };
}

function inside(file: string, directory: string): boolean {
  const dir = directory.replace(/\/+$/, "");
  return file === dir || file.startsWith(dir + "/");
}

/**
 * The `session.changes` events an event implies (pure).
 *
 * @param directory The directory OpenCode reported for the event, if known.
 */
export function changesOf(
  e: WireEvent,
  lookup: ChangesLookup,
  directory?: string,
): SessionChangesEvent[] {
  if (!isFlockEvent(e) || !("instance_id" in e)) return [];
  const instanceId = e.instance_id;
  if (e.type === "session.diff" || e.type === "session.idle") {
    const id = e.properties.sessionID;
    const session = lookup.session(id);
    if (!session || session.instance_id !== instanceId) return [];
    return [event(instanceId, id, e.type === "session.idle" ? "idle" : "diff")];
  }
  if (e.type === "file.edited") {
    const file = e.properties.file;
    const sessions = lookup.sessionsOf(instanceId);
    const matches = sessions.filter((s) =>
      file.startsWith("/")
        ? inside(file, s.directory)
        : directory !== undefined && s.directory === directory
    );
    // The deepest directory wins: a worktree under the instance's own
    // directory (never the case for Flock's, but possible by hand).
    const deepest = Math.max(0, ...matches.map((s) => s.directory.length));
    return matches.filter((s) => s.directory.length === deepest)
      .map((s) => event(instanceId, s.id, "edited"));
  }
  return [];
}

/**
 * Listens to published events and publishes the `session.changes` they
 * imply, each after the event that caused it (in a microtask).
 *
 * @returns The function that stops listening.
 */
export function watchChanges(
  listen: (
    listener: (event: WireEvent, meta?: { directory?: string }) => void,
  ) => () => void,
  publish: (event: WireEvent) => void,
  lookup: ChangesLookup,
): () => void {
  return listen((e, meta) => {
    if (
      e.type !== "session.diff" && e.type !== "session.idle" &&
      e.type !== "file.edited"
    ) {
      return;
    }
    const changes = changesOf(e, lookup, meta?.directory);
    if (changes.length === 0) return;
    queueMicrotask(() => {
      for (const change of changes) publish(change);
    });
  });
}
