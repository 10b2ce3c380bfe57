/**
 * The events on Flock's SSE streams: a discriminated union on `type`, so
 * `event.type === "message.part.delta"` narrows `event.properties`.
 *
 * - Every OpenCode event (the SDK's `Event` union) is forwarded with
 *   `instance_id` added ({@linkcode UpstreamFlockEvent}).
 * - Flock adds its own instance events and, per client, the stream-control
 *   events.
 * - An upstream event whose `type` is not in the SDK union of the pinned
 *   version is still forwarded, typed as {@linkcode UnknownFlockEvent}. It
 *   is kept out of {@linkcode FlockEvent} so it never widens narrowing;
 *   code that may see one takes a {@linkcode WireEvent} and tells them
 *   apart with `isFlockEvent` (`event_types.ts`).
 *
 * To add an event of Flock's own: define its interface (in the file of its
 * concern), add it to {@linkcode FlockOwnEvent}, and add its type to
 * `FLOCK_OWN_EVENT_TYPES` in `event_types.ts` (the compiler insists), and,
 * when clients read fields of it, a payload check in `event_guard.ts`.
 *
 * @module
 */
import type { InstanceJson } from "./instances.ts";
import type { MarkJson } from "./marks.ts";
import type { OpenCodeEvent } from "./opencode.ts";
import type { PermissionJson } from "./permissions.ts";
import type { QuestionJson } from "./questions.ts";
import type { QueuedMessageJson } from "./queue.ts";
import type { SessionJson } from "./sessions.ts";
import type { RunEventJson } from "./workflows.ts";
import type { SessionChangesEvent } from "./worktrees.ts";

/**
 * Adds `instance_id` to every member of a union of events, and the
 * optional `root_session_id`: Flock sets it on the events of a subagent's
 * child session to the top-level session the child belongs to.
 */
export type WithInstanceId<E> = E extends unknown
  ? E & { instance_id: string; root_session_id?: string }
  : never;

/** An OpenCode event, forwarded by Flock with its instance's id added. */
export type UpstreamFlockEvent = WithInstanceId<OpenCodeEvent>;

/** Flock's own event: an instance changed state (or was created). */
export interface InstanceStatusEvent {
  type: "instance.status";
  instance_id: string;
  properties: { instance: InstanceJson };
}

/** Flock's own event: an instance was deleted. */
export interface InstanceRemovedEvent {
  type: "instance.removed";
  instance_id: string;
  properties: Record<string, never>;
}

/**
 * Flock's own event, sent after every (re)connect to a child's event
 * stream: every root session Flock now records for the instance, with its
 * status. A client replaces its list for the instance with these.
 * `children` are the subagents' child sessions (each with `parent_id`).
 */
export interface InstanceSessionsEvent {
  type: "instance.sessions";
  instance_id: string;
  properties: { sessions: SessionJson[]; children?: SessionJson[] };
}

/**
 * Flock's own event, sent after every (re)connect to a child's event
 * stream (so after every restart): the instance's pending permission
 * requests and questions as its OpenCode now has them. A client replaces
 * the instance's "needs you" items with these (dead ones disappear).
 */
export interface InstancePendingEvent {
  type: "instance.pending";
  instance_id: string;
  properties: { permissions: PermissionJson[]; questions: QuestionJson[] };
}

/**
 * Flock's own event: an instance's OpenCode ended unexpectedly (it exited,
 * was killed or stopped answering) and a new one is running again. The
 * page can say "crashed and restarted" and link to `logs`.
 */
export interface InstanceRecoveredEvent {
  type: "instance.recovered";
  instance_id: string;
  properties: {
    /** What ended the previous run (the instance's `last_error`). */
    reason: string;
    /** Automatic restarts so far. */
    restart_count: number;
    /** Tool calls marked `interrupted` when the previous run ended. */
    interrupted: number;
    /** Where the instance's output is: `/api/instances/{id}/logs`. */
    logs: string;
    at: string;
  };
}

/**
 * Flock's own event: the marks of a session changed (see `marks.ts`);
 * `marks` is the session's whole list.
 */
export interface MarksUpdatedEvent {
  type: "marks.updated";
  instance_id: string;
  properties: { sessionID: string; marks: MarkJson[] };
}

/**
 * Flock's own event: a session's queue of follow-ups changed (see
 * `queue.ts`); `queue` is the session's whole queue, in sending order.
 */
export interface QueueUpdatedEvent {
  type: "queue.updated";
  instance_id: string;
  properties: { sessionID: string; queue: QueuedMessageJson[] };
}

/** Sent when a resume id is unknown or too old: refetch state over REST. */
export interface StreamResetEvent {
  type: "stream.reset";
  properties: { reason: string };
}

/** Sent as the last event to a client whose queue overflowed; then it is closed. */
export interface StreamLaggedEvent {
  type: "stream.lagged";
  properties: { dropped_after: number };
}

/** Flock's events about instances. */
export type InstanceEvent =
  | InstanceStatusEvent
  | InstanceRemovedEvent
  | InstanceSessionsEvent
  | InstancePendingEvent
  | InstanceRecoveredEvent;

/** Flock's events about one session's Flock-side state. */
export type SessionStateEvent = MarksUpdatedEvent | QueueUpdatedEvent;

/** The events one stream sends to one client about the stream itself. */
export type StreamControlEvent = StreamResetEvent | StreamLaggedEvent;

/** Every event Flock itself makes (not forwarded from OpenCode). */
export type FlockOwnEvent =
  | InstanceEvent
  | SessionStateEvent
  | StreamControlEvent
  | RunEventJson
  | SessionChangesEvent;

/** Every event a client can receive whose type Flock knows. */
export type FlockEvent = UpstreamFlockEvent | FlockOwnEvent;

/** The `type` of a {@linkcode FlockEvent}. */
export type FlockEventType = FlockEvent["type"];

/** The {@linkcode FlockEvent} of one `type`. */
export type FlockEventOf<T extends FlockEventType> = Extract<
  FlockEvent,
  { type: T }
>;

/**
 * An event whose `type` is in no union above (a newer OpenCode, a test's
 * synthetic event). Forwarded as it came; consumers ignore it.
 */
export interface UnknownFlockEvent {
  id?: string;
  type: string;
  instance_id?: string;
  properties: Record<string, unknown>;
}

/** Anything Flock publishes or a client receives. */
export type WireEvent = FlockEvent | UnknownFlockEvent;

/**
 * Server side only (clients never see it): what Flock knows about a
 * published event besides its value.
 */
export interface PublishMeta {
  /**
   * The directory OpenCode reported for an upstream event on its child's
   * `GET /global/event` (the child's own directory, or another one served
   * through `?directory=`, such as a worktree's). Undefined for Flock's own
   * events and for OpenCode's events that carry none (`server.connected`,
   * `server.heartbeat`); `"global"` for project-wide ones.
   */
  directory?: string | undefined;
  /**
   * The event's JSON text exactly as it is forwarded (`instance_id`
   * included), when the publisher already has it: the broker sends it
   * instead of serialising the event again. It must parse to the event.
   */
  json?: string | undefined;
}

/** Publishes one event to the session tracker and the broker. */
export type PublishEvent = (event: WireEvent, meta?: PublishMeta) => void;
