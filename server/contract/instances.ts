/**
 * Instances (one `opencode serve` child per project directory) on the wire.
 *
 * @module
 */

/** The lifecycle state of an instance. */
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

/** One line of a child's captured output. */
export interface LogLineJson {
  stream: "stdout" | "stderr";
  line: string;
  time: string;
}
