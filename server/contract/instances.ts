/**
 * Instances (one `opencode serve` per project directory: a local child
 * Flock runs, or a remote server Flock attached) on the wire.
 *
 * @module
 */

/**
 * The lifecycle state of an instance. `hibernating` and `hibernated` are a
 * local instance put to sleep after its idle timeout (its child stopped;
 * the next request that needs it wakes it).
 */
export type InstanceStatus =
  | "starting"
  | "running"
  | "stopping"
  | "stopped"
  | "error"
  | "hibernating"
  | "hibernated";

/** Every instance status, in lifecycle order. */
export const INSTANCE_STATUSES: readonly InstanceStatus[] = [
  "starting",
  "running",
  "stopping",
  "stopped",
  "error",
  "hibernating",
  "hibernated",
];

/** Whether Flock runs the OpenCode server (`local`) or attached one (`remote`). */
export type InstanceKind = "local" | "remote";

/** Every instance kind. */
export const INSTANCE_KINDS: readonly InstanceKind[] = ["local", "remote"];

/** The last time Flock recycled an instance over `--max-instance-memory`. */
export interface InstanceRecycleJson {
  /** When (ISO 8601). */
  at: string;
  /** The instance's RSS (child plus descendants) that was over the ceiling. */
  rss_bytes: number;
  /** The ceiling at the time. */
  limit_bytes: number;
}

/**
 * An instance as the API returns it. No password ever appears: neither the
 * child's nor a remote server's.
 */
export interface InstanceJson {
  id: string;
  name: string;
  kind: InstanceKind;
  /**
   * The project directory (for a remote instance: the directory its server
   * reports, on its own machine).
   */
  working_directory: string;
  /** A remote instance's server (`http://[user@]host:port`); null for local ones. */
  url: string | null;
  status: InstanceStatus;
  /** The child's pid, or null when no local child runs. */
  pid: number | null;
  /** The child's port, or null when no local child runs. */
  port: number | null;
  restart_count: number;
  exit_code: number | null;
  last_error: string | null;
  /**
   * Seconds without activity before the instance hibernates (0: never).
   * The instance's own value or, when it has none, `--idle-timeout`.
   * Always 0 for a remote instance.
   */
  idle_timeout_s: number;
  /**
   * When it last went to sleep; set while `hibernated` and while it wakes
   * (`starting` with this set means waking), null otherwise.
   */
  hibernated_at: string | null;
  /**
   * Resident memory of the child and all its descendants (language and MCP
   * servers, tools), refreshed every few seconds while someone watches;
   * null when no local process runs or it was not measured yet.
   */
  memory_rss_bytes: number | null;
  /** The last recycle over `--max-instance-memory`, if any. */
  last_recycle: InstanceRecycleJson | null;
  created_at: string;
  updated_at: string;
}

/** One line of a child's captured output. */
export interface LogLineJson {
  stream: "stdout" | "stderr";
  line: string;
  time: string;
}
