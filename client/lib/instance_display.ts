/**
 * How an instance's fleet facts read in the page: its phase (a waking
 * instance is `starting` with `hibernated_at` set), memory in binary units,
 * the total across instances, the last recycle over
 * `--max-instance-memory`, a remote server's host, and the idle timeout.
 * Pure; Tailwind scans this file, so class names are written out in full.
 *
 * @module
 */
import type {
  InstanceJson,
  InstanceRecycleJson,
  InstanceStatus,
} from "../../server/contract/instances.ts";
import { instanceDotClass, instanceStatusLabel } from "./status_style.ts";

/** An instance's status, with `waking` told apart from a plain start. */
export type InstancePhase = InstanceStatus | "waking";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

/**
 * Bytes in binary units: one decimal below 10 (none when it is `.0`),
 * whole numbers above.
 *
 * @example
 * ```ts
 * formatBytes(1288490189); // "1.2 GiB"
 * formatBytes(1073741824); // "1 GiB"
 * formatBytes(458227712); // "437 MiB"
 * ```
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "?";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  // Rounding may reach the next unit (1023.96 MiB → "1 GiB").
  if (unit < UNITS.length - 1 && Math.round(value) >= 1024) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0
    ? String(Math.round(value))
    : value < 10
    ? value.toFixed(1).replace(/\.0$/, "")
    : String(Math.round(value));
  return `${shown} ${UNITS[unit]}`;
}

/** The instance's phase: `waking` while it starts again after a sleep. */
export function instancePhase(
  instance: Pick<InstanceJson, "status" | "hibernated_at">,
): InstancePhase {
  return instance.status === "starting" && instance.hibernated_at !== null
    ? "waking"
    : instance.status;
}

/** A short label for a phase (`Waking…`, `Hibernated · wakes on use`…). */
export function phaseLabel(phase: InstancePhase): string {
  return phase === "waking" ? "Waking…" : instanceStatusLabel(phase);
}

/** The status dot's classes for a phase. */
export function phaseDotClass(phase: InstancePhase): string {
  return phase === "waking"
    ? "bg-sky-400 animate-pulse"
    : instanceDotClass(phase);
}

/** Whether the instance is shown dimmed (asleep or going to sleep). */
export function isAsleep(phase: InstancePhase): boolean {
  return phase === "hibernated" || phase === "hibernating";
}

/** The memory of every instance that has a figure, and how many have one. */
export function memoryTotal(
  instances: Iterable<Pick<InstanceJson, "memory_rss_bytes">>,
): { bytes: number; measured: number } {
  let bytes = 0;
  let measured = 0;
  for (const instance of instances) {
    if (instance.memory_rss_bytes === null) continue;
    bytes += instance.memory_rss_bytes;
    measured++;
  }
  return { bytes, measured };
}

/**
 * The last recycle, e.g. `Recycled at 14:02: 1.2 GiB over 1 GiB`.
 *
 * @param formatTime Formats an epoch-ms time (injected for tests).
 */
export function recycleNote(
  recycle: InstanceRecycleJson,
  formatTime: (epochMs: number) => string,
): string {
  const at = Date.parse(recycle.at);
  const when = Number.isNaN(at) ? recycle.at : formatTime(at);
  return `Recycled at ${when}: ${formatBytes(recycle.rss_bytes)} over ${
    formatBytes(recycle.limit_bytes)
  }`;
}

/** A remote server's `host:port` (without a user), or the URL as it is. */
export function remoteHost(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

/** An idle timeout for people: `never`, `45 s`, `15 min`, `1 h 30 min`. */
export function formatIdleTimeout(seconds: number): string {
  if (seconds <= 0) return "never";
  if (seconds < 60 || seconds % 60 !== 0) return `${seconds} s`;
  const minutes = seconds / 60;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/**
 * The idle timeout field of the settings form: blank → `null` (the
 * default), whole seconds → that number; anything else → an error naming
 * the field (the server judges the range).
 */
export function parseIdleTimeout(
  text: string,
): { value: number | null } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === "") return { value: null };
  if (!/^\d+$/.test(trimmed)) {
    return {
      error:
        "Idle timeout: enter whole seconds (0 never hibernates; blank uses the default)",
    };
  }
  return { value: Number(trimmed) };
}

/**
 * Whether a message can be sent to a session of an instance in `status`:
 * running, or on its way there (a request to a starting, hibernating or
 * hibernated instance waits for it, waking it if needed).
 */
export function acceptsMessages(status: InstanceStatus | undefined): boolean {
  return status === "running" || status === "starting" ||
    status === "hibernating" || status === "hibernated";
}
