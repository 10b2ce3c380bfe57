/**
 * The errors of a call to an OpenCode child: it answered with an error
 * status, or could not be reached (or answered something unreadable) in
 * time. `server/http/errors.ts` maps them to 502/504.
 *
 * @module
 */

/** OpenCode answered with a non-2xx status. */
export class OpenCodeHttpError extends Error {
  /** The upstream HTTP status. */
  readonly status: number;
  /** The upstream error message (from `data.message` when present). */
  readonly upstreamMessage: string;
  constructor(
    status: number,
    upstreamMessage: string,
    request: string,
    options?: ErrorOptions,
  ) {
    super(
      `Cannot complete ${request} as OpenCode answered ${status}: ${upstreamMessage}`,
      options,
    );
    this.name = "OpenCodeHttpError";
    this.status = status;
    this.upstreamMessage = upstreamMessage;
  }
}

/** OpenCode could not be reached, or did not answer in time. */
export class OpenCodeUnavailableError extends Error {
  /** True when the time limit ran out. */
  readonly timedOut: boolean;
  constructor(message: string, timedOut: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = "OpenCodeUnavailableError";
    this.timedOut = timedOut;
  }
}

/** Extracts the most useful message from an error body. */
export function upstreamErrorMessage(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === "object" && body !== null) {
      const b = body as Record<string, unknown>;
      const data = b.data as Record<string, unknown> | undefined;
      const error = b.error as Record<string, unknown> | string | undefined;
      if (typeof data?.message === "string") return data.message;
      if (typeof b.message === "string") return b.message;
      if (typeof error === "string") return error;
      if (typeof error?.message === "string") return error.message;
      if (typeof b.name === "string") return b.name;
    }
  } catch {
    // Not JSON; use the text.
  }
  return text.trim().slice(0, 500) || "no message";
}
