/**
 * A tiny logger: one line per message on stderr, with a level and a
 * timestamp. `no-console` is on in lint, so every module logs through here.
 *
 * @module
 */

/** How important a log line is. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = {
  debug: 0,
  info: 1,
  warn: 2,
  error: 3,
};
const encoder = new TextEncoder();
let threshold: LogLevel = "info";

/** Sets the lowest level that is written (default `info`). */
export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

function format(value: unknown): string {
  if (value instanceof Error) {
    const cause = value.cause === undefined
      ? ""
      : ` (cause: ${format(value.cause)})`;
    return `${value.name}: ${value.message}${cause}`;
  }
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

function write(level: LogLevel, message: string, details: unknown[]): void {
  if (ORDER[level] < ORDER[threshold]) return;
  const extra = details.length > 0 ? " " + details.map(format).join(" ") : "";
  const line = `${
    new Date().toISOString()
  } ${level.toUpperCase()} ${message}${extra}\n`;
  try {
    Deno.stderr.writeSync(encoder.encode(line));
  } catch {
    // stderr is gone (closed pipe); there is nowhere left to report to.
  }
}

/**
 * The logger. Each method takes a message and optional details (errors are
 * printed with their name, message and cause; other values as JSON).
 *
 * @example
 * ```ts
 * log.warn("Cannot reach the child:", error);
 * ```
 */
export const log = {
  debug: (message: string, ...details: unknown[]): void =>
    write("debug", message, details),
  info: (message: string, ...details: unknown[]): void =>
    write("info", message, details),
  warn: (message: string, ...details: unknown[]): void =>
    write("warn", message, details),
  error: (message: string, ...details: unknown[]): void =>
    write("error", message, details),
};
