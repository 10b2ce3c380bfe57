/**
 * The typed errors of workflows and runs. They know nothing of HTTP;
 * `server/http/errors.ts` maps each one to a status and code.
 *
 * @module
 */

/** No installed workflow has this id. */
export class WorkflowNotFoundError extends Error {
  readonly workflowId: string;
  constructor(workflowId: string, options?: ErrorOptions) {
    super(`Cannot find workflow: ${workflowId}`, options);
    this.name = "WorkflowNotFoundError";
    this.workflowId = workflowId;
  }
}

/** A workflow cannot be removed while one of its runs is running or blocked. */
export class WorkflowInUseError extends Error {
  readonly workflowId: string;
  readonly runIds: readonly string[];
  constructor(workflowId: string, runIds: readonly string[]) {
    super(
      `Cannot remove workflow ${workflowId} as ${
        runIds.length === 1 ? "a run is" : `${runIds.length} runs are`
      } active: ${runIds.join(", ")}; stop ${
        runIds.length === 1 ? "it" : "them"
      } first`,
    );
    this.name = "WorkflowInUseError";
    this.workflowId = workflowId;
    this.runIds = runIds;
  }
}

/** No run has this id. */
export class RunNotFoundError extends Error {
  readonly runId: string;
  constructor(runId: string, options?: ErrorOptions) {
    super(`Cannot find run: ${runId}`, options);
    this.name = "RunNotFoundError";
    this.runId = runId;
  }
}

/** A person's action does not fit the run's state (the engine's reason). */
export class RunActionRefusedError extends Error {
  constructor(reason: string, options?: ErrorOptions) {
    super(reason, options);
    this.name = "RunActionRefusedError";
  }
}

/** A run cannot start (its instance is not running, worktrees are missing, …). */
export class RunStartError extends Error {
  /** A stable machine-readable code for the API. */
  readonly code: string;
  /** Whether the request was wrong (400) rather than the state (409). */
  readonly badRequest: boolean;
  constructor(
    message: string,
    code: string,
    badRequest: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "RunStartError";
    this.code = code;
    this.badRequest = badRequest;
  }
}

/**
 * A review action on a run's own worktree (its diff, merge or removal)
 * does not apply: the run has none (`no_worktree`, 400), Flock already
 * removed it (`worktree_removed`, 409), its directory is gone
 * (`worktree_missing`, 409) or the run is still active (`run_active`, 409).
 */
export class RunWorktreeError extends Error {
  /** A stable machine-readable code for the API. */
  readonly code:
    | "no_worktree"
    | "worktree_removed"
    | "worktree_missing"
    | "run_active";
  readonly runId: string;
  constructor(
    runId: string,
    code: RunWorktreeError["code"],
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "RunWorktreeError";
    this.code = code;
    this.runId = runId;
  }
}
