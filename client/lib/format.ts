/**
 * Small display formatters.
 *
 * @module
 */

/**
 * The last component of a path.
 *
 * @param path An absolute or relative path.
 * @returns Its base name, or the path itself for `/`.
 * @example
 * ```ts
 * basename("/home/me/project/"); // "project"
 * ```
 */
export function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  const name = trimmed.slice(trimmed.lastIndexOf("/") + 1);
  return name === "" ? path || "/" : name;
}

/**
 * A compact relative time ("just now", "5 min ago", "3 h ago", "2 d ago").
 *
 * @param iso An ISO timestamp.
 * @param now The current time in epoch ms.
 * @returns The label, or "" for an invalid timestamp.
 */
export function relativeTime(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "";
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${Math.round(hours / 24)} d ago`;
}

/**
 * Pretty-prints a tool input or other JSON-ish value.
 *
 * @param value Any value.
 * @returns Strings as they are, everything else as indented JSON.
 */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}
