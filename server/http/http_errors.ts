/**
 * The HTTP errors: each carries its status and a stable machine-readable
 * code. Route code throws them; `errors.ts` turns them (and the domain's
 * own errors) into JSON responses in one place.
 *
 * @module
 */
import type { WorktreeWorkJson } from "../contract/worktrees.ts";

/** An error that carries its HTTP status and a stable machine-readable code. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  /** The files the error is about, sent as `error.files` when set. */
  readonly files: readonly string[] | undefined;
  /** The worktrees with work to lose, sent as `error.worktrees` when set. */
  readonly worktrees: readonly WorktreeWorkJson[] | undefined;
  constructor(
    status: number,
    code: string,
    message: string,
    options?: ErrorOptions & {
      headers?: Record<string, string>;
      files?: readonly string[];
      worktrees?: readonly WorktreeWorkJson[];
    },
  ) {
    super(message, options);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.headers = options?.headers ?? {};
    this.files = options?.files;
    this.worktrees = options?.worktrees;
  }
}

/** 400: the request is malformed or a field is invalid. */
export class BadRequestError extends HttpError {
  constructor(message: string, code = "bad_request", options?: ErrorOptions) {
    super(400, code, message, options);
    this.name = "BadRequestError";
  }
}

/** 404: the resource does not exist. */
export class NotFoundError extends HttpError {
  constructor(message: string, options?: ErrorOptions) {
    super(404, "not_found", message, options);
    this.name = "NotFoundError";
  }
}

/** 405: the path exists but not with this method. */
export class MethodNotAllowedError extends HttpError {
  constructor(method: string, allow: readonly string[]) {
    super(
      405,
      "method_not_allowed",
      `Cannot ${method} this resource: allowed methods are ${allow.join(", ")}`,
      { headers: { allow: allow.join(", ") } },
    );
    this.name = "MethodNotAllowedError";
  }
}

/** 401: the request lacks valid credentials (the API token or login cookie). */
export class UnauthorizedError extends HttpError {
  constructor(message: string, code = "unauthorized", options?: ErrorOptions) {
    super(401, code, message, {
      ...options,
      headers: { "www-authenticate": 'Bearer realm="flock"' },
    });
    this.name = "UnauthorizedError";
  }
}

/** 403: the request is understood but refused (foreign origin, path outside the roots). */
export class ForbiddenError extends HttpError {
  constructor(message: string, code = "forbidden", options?: ErrorOptions) {
    super(403, code, message, options);
    this.name = "ForbiddenError";
  }
}

/** 421: the Host header is not one of Flock's names (DNS rebinding guard). */
export class MisdirectedRequestError extends HttpError {
  constructor(message: string, options?: ErrorOptions) {
    super(421, "misdirected_request", message, options);
    this.name = "MisdirectedRequestError";
  }
}

/** 429: too many requests; `retryAfterSeconds` goes into `Retry-After`. */
export class TooManyRequestsError extends HttpError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(429, "too_many_requests", message, {
      headers: { "retry-after": String(retryAfterSeconds) },
    });
    this.name = "TooManyRequestsError";
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** 409: the request conflicts with the current state. */
export class ConflictError extends HttpError {
  constructor(message: string, code = "conflict", options?: ErrorOptions) {
    super(409, code, message, options);
    this.name = "ConflictError";
  }
}

/** 413: the body is larger than allowed. */
export class PayloadTooLargeError extends HttpError {
  constructor(limit: number) {
    super(
      413,
      "payload_too_large",
      `Cannot read the body as it is larger than ${limit} bytes`,
    );
    this.name = "PayloadTooLargeError";
  }
}

/** 415: the body is not JSON. */
export class UnsupportedMediaTypeError extends HttpError {
  constructor(got: string | null) {
    super(
      415,
      "unsupported_media_type",
      `Cannot read the body as it is not JSON: content-type is ${
        got ?? "missing"
      }; send application/json`,
    );
    this.name = "UnsupportedMediaTypeError";
  }
}

/** 502: an OpenCode child answered badly or not at all. */
export class BadGatewayError extends HttpError {
  constructor(message: string, options?: ErrorOptions) {
    super(502, "bad_gateway", message, options);
    this.name = "BadGatewayError";
  }
}
