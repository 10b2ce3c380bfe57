/**
 * A tiny logger that writes one line per entry to stderr. Flock's only
 * console output besides the CLI's own messages.
 *
 * @module
 */

/** Log levels, in increasing severity. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const encoder = new TextEncoder();
let threshold: LogLevel = "info";

/** Sets the lowest level that is written. */
export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

function write(level: LogLevel, message: string, detail?: unknown): void {
  if (ORDER[level] < ORDER[threshold]) return;
  let line = `${new Date().toISOString()} ${level.toUpperCase()} ${message}`;
  if (detail !== undefined) {
    line += " " + (detail instanceof Error
      ? `${detail.name}: ${detail.message}`
      : typeof detail === "string"
      ? detail
      : JSON.stringify(detail));
  }
  try {
    Deno.stderr.writeSync(encoder.encode(line + "\n"));
  } catch {
    // stderr is gone (e.g. closed pipe); nothing sensible to do.
  }
}

/** The logger. */
export const log = {
  debug: (message: string, detail?: unknown) => write("debug", message, detail),
  info: (message: string, detail?: unknown) => write("info", message, detail),
  warn: (message: string, detail?: unknown) => write("warn", message, detail),
  error: (message: string, detail?: unknown) => write("error", message, detail),
};
