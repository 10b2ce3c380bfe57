/**
 * Flock's one error boundary: typed HTTP errors, and {@linkcode toResponse},
 * the only place that turns an error into a response (called only by
 * `createApp`'s handler, for everything a route, the request guard or the
 * router throws).
 *
 * How a module refuses a request:
 * - HTTP-layer code (routes, the request guard, body parsing) throws an
 *   {@linkcode HttpError} subclass with a stable `code` (and any headers,
 *   e.g. `retry-after`): `throw new ConflictError("Cannot X as Y: detail",
 *   "instance_busy")`.
 * - Domain code (supervisor, OpenCode client, git, …) throws its own typed
 *   errors and knows nothing of HTTP; `fromDomainError` below maps each one
 *   to a status and code.
 * - Nobody else builds an error response: every error body is
 *   `{ error: { code, message } }`, made in one place.
 *
 * @module
 */
import type { ApiErrorBody } from "../contract/api.ts";
import { log } from "../log.ts";
import {
  OpenCodeHttpError,
  OpenCodeUnavailableError,
} from "../opencode/opencode_errors.ts";
import { RemoteServerError } from "../opencode/remote_probe.ts";
import { RemoteAddressError } from "../fleet/remote_url.ts";
import {
  InstanceNotFoundError,
  InstanceNotRunningError,
  InstanceWakeError,
  SupervisorClosedError,
} from "../opencode/instance_errors.ts";
import { SearchQueryError } from "../events/search_index.ts";
import {
  InvalidChoiceError,
  QueuedMessageNotFoundError,
  QueuedMessageStateError,
} from "../queue/queue_errors.ts";
import {
  RunActionRefusedError,
  RunNotFoundError,
  RunStartError,
  RunWorktreeError,
  WorkflowInUseError,
  WorkflowNotFoundError,
} from "../runs/run_errors.ts";
import { WorkflowSpecError } from "../workflows/spec_types.ts";
import { GitError } from "../git/git_errors.ts";
import {
  NoWorktreeError,
  WorktreesHaveWorkError,
} from "../worktrees/worktree_errors.ts";

export {
  BadGatewayError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  HttpError,
  MethodNotAllowedError,
  MisdirectedRequestError,
  NotFoundError,
  PayloadTooLargeError,
  TooManyRequestsError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from "./http_errors.ts";
import {
  BadGatewayError,
  BadRequestError,
  ConflictError,
  HttpError,
  NotFoundError,
} from "./http_errors.ts";

/**
 * Shortens user input quoted in an error message (a Host header, a path),
 * so a hostile request cannot make the answer or the log line huge.
 */
export function clip(text: string, max = 100): string {
  return text.length > max ? text.slice(0, max) + "…" : text;
}

/** Builds the JSON error response (only {@linkcode toResponse} does). */
function errorResponse(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
  extra: Pick<HttpError, "files" | "worktrees"> = {
    files: undefined,
    worktrees: undefined,
  },
): Response {
  const body: ApiErrorBody = { error: { code, message } };
  if (extra.files !== undefined) body.error.files = [...extra.files];
  if (extra.worktrees !== undefined) {
    body.error.worktrees = extra.worktrees.map((w) => ({
      ...w,
      files: [...w.files],
    }));
  }
  return Response.json(body, { status, headers });
}

/**
 * Maps any thrown value to a JSON error response. Known `HttpError`s keep
 * their status; `Deno.errors.NotFound` is a 404; everything else is a 500
 * with a generic message (the cause is logged, never sent).
 */
export function toResponse(error: unknown): Response {
  if (error instanceof HttpError) {
    if (error.status >= 500) log.error(error.message, error.cause);
    return errorResponse(
      error.status,
      error.code,
      error.message,
      error.headers,
      error,
    );
  }
  if (error instanceof Deno.errors.NotFound) {
    return errorResponse(404, "not_found", "Not found");
  }
  const mapped = fromDomainError(error);
  if (mapped) return toResponse(mapped);
  log.error("Unhandled error while serving a request", error);
  if (error instanceof Error && error.stack) log.debug(error.stack);
  return errorResponse(500, "internal", "Internal server error");
}

/**
 * Maps the supervisor's, the OpenCode client's, the runner's and the driving
 * features' errors to HTTP errors: not running → 409, unknown instance →
 * 404, a failed wake → 502, a remote server that cannot be attached (bad
 * URL, no permission for its host, unreachable, 401, not OpenCode) → 400,
 * the child's 404 → 404, its 400 → 400, its 409 → 409, any other child answer or an
 * unreachable child → 502, a shut down supervisor → 503; an invalid
 * workflow → 400, an unknown workflow or run → 404, a workflow in use or a
 * refused run action → 409; a model/variant/agent/command the instance does
 * not offer → 400, an unknown queued message → 404, one that cannot change
 * now → 409, a search query that cannot be searched → 400; a git error →
 * its status from `GIT_ERROR_STATUS` (400 bad name, ref or not a
 * repository, 404 unknown worktree, 409 conflicts, dirty or unmerged work
 * with the files in `error.files`, 500 git missing or failing); a session
 * or run without a worktree for a worktree action → 400; a run's worktree
 * removed or gone, or a run still active, for a review action → 409; an
 * instance whose sessions' worktrees have work to lose → 409 with
 * `error.worktrees`.
 */
function fromDomainError(error: unknown): HttpError | undefined {
  const runs = fromRunError(error) ?? fromDrivingError(error);
  if (runs) return runs;
  if (error instanceof NoWorktreeError) {
    return new BadRequestError(error.message, "no_worktree", { cause: error });
  }
  if (error instanceof WorktreesHaveWorkError) {
    return new HttpError(409, "worktrees_have_work", error.message, {
      cause: error,
      worktrees: error.worktrees,
    });
  }
  if (error instanceof GitError) {
    const files = "files" in error && Array.isArray(error.files)
      ? error.files.filter((f): f is string => typeof f === "string")
      : undefined;
    return new HttpError(gitErrorStatus(error), error.code, error.message, {
      cause: error,
      ...(files === undefined ? {} : { files }),
    });
  }
  if (error instanceof InstanceNotRunningError) {
    return new HttpError(
      409,
      "instance_not_running",
      `Cannot reach instance ${error.instanceId} as it is not running (it is ${
        error.status ?? "unknown"
      }); start it with POST /api/instances/${error.instanceId}/restart`,
      { cause: error },
    );
  }
  if (error instanceof InstanceNotFoundError) {
    return new NotFoundError(error.message, { cause: error });
  }
  if (error instanceof RemoteAddressError) {
    return new BadRequestError(error.message, "invalid_field", {
      cause: error,
    });
  }
  if (error instanceof RemoteServerError) {
    // At attach time: the server cannot be used as given.
    return new BadRequestError(error.message, `remote_${error.reason}`, {
      cause: error,
    });
  }
  if (error instanceof InstanceWakeError) {
    return new HttpError(502, "wake_failed", error.message, { cause: error });
  }
  if (error instanceof SupervisorClosedError) {
    return new HttpError(503, "shutting_down", error.message, {
      cause: error,
    });
  }
  if (error instanceof OpenCodeHttpError) {
    if (error.status === 404) {
      return new NotFoundError(
        `Cannot find it in OpenCode: ${error.upstreamMessage}`,
        { cause: error },
      );
    }
    if (error.status === 400) {
      return new BadRequestError(
        `OpenCode refused the request: ${error.upstreamMessage}`,
        "upstream_bad_request",
        { cause: error },
      );
    }
    if (error.status === 409) {
      // e.g. "Session is busy" for a revert while a reply runs.
      return new ConflictError(
        `OpenCode refused it now: ${error.upstreamMessage}`,
        "upstream_conflict",
        { cause: error },
      );
    }
    return new BadGatewayError(error.message, { cause: error });
  }
  if (error instanceof OpenCodeUnavailableError) {
    return new BadGatewayError(error.message, { cause: error });
  }
  return undefined;
}

/** HTTP status per git error code (the table in `git/git_errors.ts`); others are 500. */
const GIT_ERROR_STATUS: Readonly<Record<string, number>> = {
  not_a_git_repository: 400,
  invalid_branch_name: 400,
  unknown_ref: 400,
  not_a_branch: 400,
  invalid_commit_message: 400,
  worktree_not_found: 404,
  branch_exists: 409,
  worktree_path_exists: 409,
  main_worktree: 409,
  uncommitted_changes: 409,
  unmerged_work: 409,
  merge_conflict: 409,
  base_checkout_dirty: 409,
  ref_changed: 409,
  nothing_to_commit: 409,
  missing_identity: 409,
};

function gitErrorStatus(error: GitError): number {
  return GIT_ERROR_STATUS[error.code] ?? 500;
}

function fromRunError(error: unknown): HttpError | undefined {
  if (error instanceof WorkflowSpecError) {
    return new BadRequestError(error.message, "invalid_workflow", {
      cause: error,
    });
  }
  if (
    error instanceof WorkflowNotFoundError || error instanceof RunNotFoundError
  ) {
    return new NotFoundError(error.message, { cause: error });
  }
  if (error instanceof WorkflowInUseError) {
    return new ConflictError(error.message, "workflow_in_use", {
      cause: error,
    });
  }
  if (error instanceof RunActionRefusedError) {
    return new ConflictError(error.message, "action_refused", {
      cause: error,
    });
  }
  if (error instanceof RunWorktreeError) {
    return error.code === "no_worktree"
      ? new BadRequestError(error.message, error.code, { cause: error })
      : new ConflictError(error.message, error.code, { cause: error });
  }
  if (error instanceof RunStartError) {
    return error.badRequest
      ? new BadRequestError(error.message, error.code, { cause: error })
      : new ConflictError(error.message, error.code, { cause: error });
  }
  return undefined;
}

function fromDrivingError(error: unknown): HttpError | undefined {
  if (error instanceof InvalidChoiceError) {
    return new BadRequestError(error.message, "invalid_field", {
      cause: error,
    });
  }
  if (error instanceof QueuedMessageNotFoundError) {
    return new NotFoundError(error.message, { cause: error });
  }
  if (error instanceof QueuedMessageStateError) {
    return new ConflictError(error.message, "queue_conflict", {
      cause: error,
    });
  }
  if (error instanceof SearchQueryError) {
    return new BadRequestError(
      `Cannot use query "q": ${error.message}`,
      "invalid_query",
      { cause: error },
    );
  }
  return undefined;
}
