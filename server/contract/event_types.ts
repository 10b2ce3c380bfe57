/**
 * The runtime lists of event types, derived from the contract's unions: a
 * `Record<Type, true>` must name every member and nothing else, so the
 * compiler keeps these lists complete when the SDK (or Flock) adds a type.
 *
 * @module
 */
import type {
  FlockEvent,
  FlockEventOf,
  FlockEventType,
  FlockOwnEvent,
  WireEvent,
} from "./events.ts";
import type { OpenCodeEventType } from "./opencode.ts";

/** Every OpenCode event type of the pinned SDK. */
const OPENCODE_EVENT_TYPE_TABLE: Record<OpenCodeEventType, true> = {
  "catalog.updated": true,
  "command.executed": true,
  "file.edited": true,
  "file.watcher.updated": true,
  "global.disposed": true,
  "installation.update-available": true,
  "installation.updated": true,
  "integration.connection.updated": true,
  "integration.updated": true,
  "lsp.updated": true,
  "mcp.browser.open.failed": true,
  "mcp.tools.changed": true,
  "message.part.delta": true,
  "message.part.removed": true,
  "message.part.updated": true,
  "message.removed": true,
  "message.updated": true,
  "models-dev.refreshed": true,
  "permission.asked": true,
  "permission.replied": true,
  "permission.v2.asked": true,
  "permission.v2.replied": true,
  "plugin.added": true,
  "project.directories.updated": true,
  "project.updated": true,
  "pty.created": true,
  "pty.deleted": true,
  "pty.exited": true,
  "pty.updated": true,
  "question.asked": true,
  "question.rejected": true,
  "question.replied": true,
  "question.v2.asked": true,
  "question.v2.rejected": true,
  "question.v2.replied": true,
  "reference.updated": true,
  "server.connected": true,
  "server.instance.disposed": true,
  "session.compacted": true,
  "session.created": true,
  "session.deleted": true,
  "session.diff": true,
  "session.error": true,
  "session.idle": true,
  "session.next.agent.switched": true,
  "session.next.compaction.delta": true,
  "session.next.compaction.ended": true,
  "session.next.compaction.started": true,
  "session.next.context.updated": true,
  "session.next.model.switched": true,
  "session.next.moved": true,
  "session.next.prompt.admitted": true,
  "session.next.prompted": true,
  "session.next.reasoning.delta": true,
  "session.next.reasoning.ended": true,
  "session.next.reasoning.started": true,
  "session.next.retried": true,
  "session.next.revert.cleared": true,
  "session.next.revert.committed": true,
  "session.next.revert.staged": true,
  "session.next.shell.ended": true,
  "session.next.shell.started": true,
  "session.next.step.ended": true,
  "session.next.step.failed": true,
  "session.next.step.started": true,
  "session.next.synthetic": true,
  "session.next.text.delta": true,
  "session.next.text.ended": true,
  "session.next.text.started": true,
  "session.next.tool.called": true,
  "session.next.tool.failed": true,
  "session.next.tool.input.delta": true,
  "session.next.tool.input.ended": true,
  "session.next.tool.input.started": true,
  "session.next.tool.progress": true,
  "session.next.tool.success": true,
  "session.status": true,
  "session.updated": true,
  "todo.updated": true,
  "tui.command.execute": true,
  "tui.prompt.append": true,
  "tui.session.select": true,
  "tui.toast.show": true,
  "vcs.branch.updated": true,
  "workspace.failed": true,
  "workspace.ready": true,
  "workspace.status": true,
  "worktree.failed": true,
  "worktree.ready": true,
};

/** Every type of an event Flock makes itself. */
const FLOCK_OWN_EVENT_TYPE_TABLE: Record<FlockOwnEvent["type"], true> = {
  "instance.status": true,
  "instance.removed": true,
  "instance.sessions": true,
  "instance.pending": true,
  "instance.recovered": true,
  "marks.updated": true,
  "queue.updated": true,
  "stream.reset": true,
  "stream.lagged": true,
  "run.updated": true,
  "step.updated": true,
  "story.updated": true,
  "attempt.updated": true,
  "run.notice": true,
  "session.changes": true,
};

function keysOf<K extends string>(table: Record<K, true>): K[] {
  return Object.keys(table).filter((key): key is K =>
    Object.hasOwn(table, key)
  );
}

/** Every OpenCode event type of the pinned SDK. */
export const OPENCODE_EVENT_TYPES: readonly OpenCodeEventType[] = keysOf(
  OPENCODE_EVENT_TYPE_TABLE,
);

/** Every event type of Flock's own. */
export const FLOCK_OWN_EVENT_TYPES: readonly FlockOwnEvent["type"][] = keysOf(
  FLOCK_OWN_EVENT_TYPE_TABLE,
);

/**
 * Every type of {@linkcode FlockEvent}: what a page's `EventSource` listens
 * for (Flock sends each event as `event: <type>`).
 */
export const FLOCK_EVENT_TYPES: readonly FlockEventType[] = [
  ...OPENCODE_EVENT_TYPES,
  ...FLOCK_OWN_EVENT_TYPES,
];

/** Whether `type` is an OpenCode event type of the pinned SDK. */
export function isOpenCodeEventType(type: string): type is OpenCodeEventType {
  return Object.hasOwn(OPENCODE_EVENT_TYPE_TABLE, type);
}

/** Whether `type` is the type of an event Flock makes itself. */
export function isFlockOwnEventType(
  type: string,
): type is FlockOwnEvent["type"] {
  return Object.hasOwn(FLOCK_OWN_EVENT_TYPE_TABLE, type);
}

/** Whether `type` is the type of a {@linkcode FlockEvent}. */
export function isFlockEventType(type: string): type is FlockEventType {
  return Object.hasOwn(OPENCODE_EVENT_TYPE_TABLE, type) ||
    Object.hasOwn(FLOCK_OWN_EVENT_TYPE_TABLE, type);
}

/**
 * Whether a published or received event is a {@linkcode FlockEvent} (its
 * type is known), as opposed to an `UnknownFlockEvent`. Its payload is
 * trusted because every event entering Flock (the upstream reader) or a
 * page (the stream controller) went through `event_guard.ts`, which drops
 * a known type with the wrong fields.
 *
 * @example
 * ```ts
 * if (isFlockEvent(event) && event.type === "message.part.delta") {
 *   event.properties.delta; // a string
 * }
 * ```
 */
export function isFlockEvent(event: WireEvent): event is FlockEvent {
  return isFlockEventType(event.type);
}

/**
 * Whether a Flock event has `type` (narrows it for a `type` known only as a
 * generic parameter, where `event.type === type` does not).
 */
export function isEventOf<T extends FlockEventType>(
  event: FlockEvent,
  type: T,
): event is FlockEventOf<T> {
  return event.type === type;
}
