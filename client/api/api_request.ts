/**
 * One JSON request to Flock's API and its error type: the transport under
 * `ApiClient` (`api_client.ts`).
 *
 * @module
 */
import type { ApiErrorBody } from "../../server/contract/api.ts";

/** An API call failed: an HTTP error (with Flock's error code) or no response (`status` 0). */
export class ApiError extends Error {
  /** The HTTP status, or 0 when the server could not be reached. */
  readonly status: number;
  /** Flock's error code (`bad_request`, `conflict`, …), `network_error` or `http_error`. */
  readonly code: string;
  /** The files the error names (`error.files`: a merge conflict, uncommitted changes). */
  readonly files: readonly string[];

  /**
   * @param status The HTTP status, or 0 for a network failure.
   * @param code The error code.
   * @param message A human-readable message.
   * @param options The cause, and the files the error names, if any.
   */
  constructor(
    status: number,
    code: string,
    message: string,
    options?: ErrorOptions & { files?: readonly string[] },
  ) {
    super(message, options);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.files = options?.files ?? [];
  }
}

/** Options for {@linkcode ApiClient}. */
export interface ApiClientOptions {
  /** Prefix for every path; defaults to `""` (same origin). */
  baseUrl?: string;
  /** The fetch implementation; defaults to the global one. */
  fetch?: typeof fetch;
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== "object" || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return typeof error === "object" && error !== null &&
    typeof (error as { message?: unknown }).message === "string";
}

/**
 * Sends a request and parses the JSON answer.
 *
 * @returns The parsed body (undefined for a 204).
 * @throws {ApiError} For an HTTP error, a network failure or bad JSON.
 */
export async function requestJson<T>(
  fetcher: typeof fetch,
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const init: RequestInit = {
    method,
    headers: { accept: "application/json" },
  };
  if (body !== undefined) {
    init.headers = {
      accept: "application/json",
      "content-type": "application/json",
    };
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetcher(baseUrl + path, init);
  } catch (error) {
    throw new ApiError(
      0,
      "network_error",
      "Cannot reach the Flock server",
      { cause: error },
    );
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  if (text !== "") {
    try {
      json = JSON.parse(text);
    } catch (error) {
      if (res.ok) {
        throw new ApiError(
          res.status,
          "bad_response",
          `Invalid JSON from ${method} ${path}`,
          { cause: error },
        );
      }
    }
  }
  if (!res.ok) {
    if (isErrorBody(json)) {
      throw new ApiError(res.status, json.error.code, json.error.message, {
        files: json.error.files ?? [],
      });
    }
    throw new ApiError(
      res.status,
      "http_error",
      `${method} ${path} failed: HTTP ${res.status}${
        res.statusText ? ` ${res.statusText}` : ""
      }`,
    );
  }
  return json as T;
}
