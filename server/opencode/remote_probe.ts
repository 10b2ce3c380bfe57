/**
 * Checks that a URL is an OpenCode server Flock can use, before attaching
 * it and each time it reconnects: `GET /global/health` must answer
 * `{"healthy":true,"version":"…"}` with the given Basic auth, and `GET /path`
 * must name the directory it serves. Each way it can fail is a
 * {@linkcode RemoteServerError} with a `reason` the API maps to a 400 at
 * attach time (and the instance shows as its `last_error` later).
 *
 * Nothing here ever puts the password into a message: the URL it reports is
 * the origin, and the password only goes into the `authorization` header.
 *
 * @module
 */
import type { RemoteEndpoint } from "../db/instance_store.ts";

/** Why a remote server cannot be used. */
export type RemoteProblem =
  /** Flock's network permission does not cover its host. */
  | "not_permitted"
  /** Nothing answered (refused, no route, DNS, timeout). */
  | "unreachable"
  /** It answered 401: a wrong or missing password (or user). */
  | "unauthorized"
  /** It answered, but not as OpenCode does. */
  | "not_opencode";

/** A remote server cannot be used; `reason` says why. */
export class RemoteServerError extends Error {
  readonly reason: RemoteProblem;
  /** The server's origin (never with a password). */
  readonly origin: string;
  constructor(
    reason: RemoteProblem,
    origin: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "RemoteServerError";
    this.reason = reason;
    this.origin = origin;
  }
}

/** What a healthy remote server reported. */
export interface RemoteFacts {
  version: string;
  /** The directory it serves (`GET /path`), on its own machine. */
  directory: string;
}

/** Options for {@linkcode probeRemote}. */
export interface ProbeOptions {
  /** Per request, in ms. Default 5000. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Injected for tests. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/** The `host:port` Deno's `--allow-net` needs for an origin (port made explicit). */
export function netEntryOf(origin: string): string {
  const url = new URL(origin);
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return `${url.hostname}:${port}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function lacksNetPermission(error: unknown): boolean {
  return error instanceof Deno.errors.NotCapable ||
    (error instanceof Error &&
      (error.cause instanceof Deno.errors.NotCapable ||
        /Requires net access/.test(error.message)));
}

/**
 * The `authorization` header for a user and password (both printable ASCII:
 * the attach route refuses anything else).
 */
export function basicAuth(username: string, password: string): string {
  return "Basic " + btoa(`${username}:${password}`);
}

/**
 * Probes `endpoint`.
 *
 * @throws {RemoteServerError} when it cannot be used (see {@linkcode RemoteProblem}).
 */
export async function probeRemote(
  endpoint: RemoteEndpoint,
  options: ProbeOptions = {},
): Promise<RemoteFacts> {
  const { origin } = endpoint;
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5000;
  const get = async (path: string): Promise<unknown> => {
    const signals = [AbortSignal.timeout(timeoutMs)];
    if (options.signal) signals.push(options.signal);
    let response: Response;
    try {
      response = await doFetch(origin + path, {
        headers: {
          accept: "application/json",
          authorization: basicAuth(endpoint.username, endpoint.password),
        },
        signal: AbortSignal.any(signals),
      });
    } catch (error) {
      if (lacksNetPermission(error)) {
        throw new RemoteServerError(
          "not_permitted",
          origin,
          `Cannot reach ${origin} as Flock has no network permission for ${
            netEntryOf(origin)
          }: restart Flock with --remote-host ${
            netEntryOf(origin)
          } (deno task start grants it; Flock also grants the hosts of the remote instances it has recorded when it starts)`,
          { cause: error },
        );
      }
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      const reason = error instanceof DOMException &&
          error.name === "TimeoutError"
        ? `no answer within ${timeoutMs} ms`
        : error instanceof Error
        ? error.message
        : String(error);
      throw new RemoteServerError(
        "unreachable",
        origin,
        `Cannot reach the OpenCode server at ${origin}: ${reason}`,
        { cause: error },
      );
    }
    const text = await response.text().catch(() => "");
    if (response.status === 401) {
      throw new RemoteServerError(
        "unauthorized",
        origin,
        `Cannot use the OpenCode server at ${origin} as it refused the credentials (401): ${
          endpoint.password === ""
            ? 'it needs a password: send "password"'
            : `check "password" (and the user, ${endpoint.username})`
        }`,
      );
    }
    let json: unknown = undefined;
    try {
      json = JSON.parse(text);
    } catch {
      // Not JSON: judged below.
    }
    if (!response.ok || json === undefined) {
      throw new RemoteServerError(
        "not_opencode",
        origin,
        `Cannot use ${origin} as it does not answer GET ${path} like an OpenCode server (HTTP ${response.status}${
          json === undefined ? ", not JSON" : ""
        })`,
      );
    }
    return json;
  };
  const health = await get("/global/health");
  if (
    !isRecord(health) || health.healthy !== true ||
    typeof health.version !== "string"
  ) {
    throw new RemoteServerError(
      "not_opencode",
      origin,
      `Cannot use ${origin} as GET /global/health did not answer {"healthy":true,"version":…} like an OpenCode server: ${
        JSON.stringify(health).slice(0, 200)
      }`,
    );
  }
  const path = await get("/path");
  if (!isRecord(path) || typeof path.directory !== "string") {
    throw new RemoteServerError(
      "not_opencode",
      origin,
      `Cannot use ${origin} as GET /path did not name the directory it serves`,
    );
  }
  return { version: health.version, directory: path.directory };
}
