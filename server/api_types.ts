/**
 * The wire contract shared by the server and the client: the JSON shapes of
 * the REST API and of the SSE events. Both sides import these types, so they
 * cannot drift apart.
 *
 * @module
 */

/** The lifecycle state of an instance (one `opencode serve` child). */
export type InstanceStatus =
  | "starting"
  | "running"
  | "stopping"
  | "stopped"
  | "error";

/** Every instance status, in lifecycle order. */
export const INSTANCE_STATUSES: readonly InstanceStatus[] = [
  "starting",
  "running",
  "stopping",
  "stopped",
  "error",
];

/** An instance as the API returns it. The child's password never appears. */
export interface InstanceJson {
  id: string;
  name: string;
  working_directory: string;
  status: InstanceStatus;
  /** The child's pid, or null when no child runs. */
  pid: number | null;
  /** The child's port, or null when no child runs. */
  port: number | null;
  restart_count: number;
  exit_code: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/** The state of a session as OpenCode reports it. */
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

/** The body of every API error response. */
export interface ApiErrorBody {
  error: { code: string; message: string };
}

/** The body of `GET /api/health`. */
export interface HealthJson {
  ok: true;
  version: string;
  uptime_s: number;
}

/** A pending permission request, as OpenCode's `GET /permission` returns it. */
export interface OpenCodePermission {
  id: string;
  sessionID: string;
  permission: string;
  patterns: string[];
  metadata: Record<string, unknown>;
  always: string[];
  tool?: { messageID: string; callID: string };
}

/** A pending permission request, tagged with its instance. */
export interface PermissionJson extends OpenCodePermission {
  instance_id: string;
}

/** One line of a child's captured output. */
export interface LogLineJson {
  stream: "stdout" | "stderr";
  line: string;
  time: string;
}

/** An event as OpenCode emits it on `/event`. */
export interface OpenCodeEvent {
  id?: string;
  type: string;
  properties: Record<string, unknown>;
}

/** An OpenCode event, forwarded by Flock with the instance id added. */
export interface UpstreamFlockEvent extends OpenCodeEvent {
  instance_id: string;
}

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

/** Every event Flock publishes on its broker. */
export type FlockEvent =
  | UpstreamFlockEvent
  | InstanceStatusEvent
  | InstanceRemovedEvent;

/** Every event a client can receive on an SSE stream. */
export type StreamEvent = FlockEvent | StreamResetEvent | StreamLaggedEvent;
