/**
 * Workflows and their runs on the wire: `GET /api/workflows…`,
 * `GET /api/runs…`, and the run events on `/api/events` (`run.updated`,
 * `step.updated`, `story.updated`, `attempt.updated`, `run.notice`). The
 * server builds them from the engine's state (`server/workflows/run_json.ts`);
 * the board reads them.
 *
 * @module
 */

/** What an agent may do; only `coding` may write files. */
export type AgentRoleJson =
  | "coding"
  | "analysis"
  | "verification"
  | "testing"
  | "pr"
  | "scanning";

/** A run's status. `blocked` waits for a person (see `blocked_reason`). */
export type RunStatusJson =
  | "running"
  | "blocked"
  | "completed"
  | "failed"
  | "cancelled";

/** Every run status, in a stable order. */
export const RUN_STATUSES: readonly RunStatusJson[] = [
  "running",
  "blocked",
  "completed",
  "failed",
  "cancelled",
];

/** A step's status within a run. */
export type StepStatusJson =
  | "waiting"
  | "pending"
  | "running"
  | "done"
  | "failed"
  | "blocked"
  | "skipped";

/** Every step status, in a stable order. */
export const STEP_STATUSES: readonly StepStatusJson[] = [
  "waiting",
  "pending",
  "running",
  "done",
  "failed",
  "blocked",
  "skipped",
];

/** A story's status: `verifying` means implemented, waiting for or under verification. */
export type StoryStatusJson =
  | "pending"
  | "running"
  | "verifying"
  | "done"
  | "failed"
  | "skipped";

/** Every story status, in a stable order. */
export const STORY_STATUSES: readonly StoryStatusJson[] = [
  "pending",
  "running",
  "verifying",
  "done",
  "failed",
  "skipped",
];

/** How an attempt ended (null while it is live). */
export type AttemptOutcomeJson =
  | "passed"
  | "retry"
  | "failed"
  | "errored"
  | "timed_out"
  | "missing_keys"
  | "aborted"
  | "interrupted";

/** Every attempt outcome, in a stable order. */
export const ATTEMPT_OUTCOMES: readonly AttemptOutcomeJson[] = [
  "passed",
  "retry",
  "failed",
  "errored",
  "timed_out",
  "missing_keys",
  "aborted",
  "interrupted",
];

/** A step's kind: `single` (default), `loop` (once per story) or `gate` (a person approves). */
export type StepTypeJson = "single" | "loop" | "gate";

/** Every step kind. */
export const STEP_TYPES: readonly StepTypeJson[] = ["single", "loop", "gate"];

/** One problem (or warning) in a workflow spec. */
export interface SpecIssueJson {
  /** The field path (`steps[3].loop.verify_step`), or "" for the document. */
  path: string;
  message: string;
  /** 1-based position in the YAML text, when known. */
  line?: number;
  column?: number;
}

/** An installed workflow, as `GET /api/workflows/{id}` returns it. */
export interface WorkflowJson {
  id: string;
  name: string;
  /** The spec's own `version`. */
  version: number;
  /** Flock's install counter for this id: 1, 2, … (each install of the id adds one). */
  revision: number;
  description: string | null;
  agents: {
    id: string;
    name: string;
    role: AgentRoleJson;
    description: string | null;
    files: string[];
  }[];
  steps: {
    id: string;
    type: StepTypeJson;
    agent: string | null;
    /** For a loop step: the step that verifies each story, or null. */
    verify_step: string | null;
    /** The earlier step that `STATUS: retry` sends work back to, or null. */
    retry_step: string | null;
  }[];
  /** Fields accepted but ignored or unsupported (`skills` …). */
  warnings: SpecIssueJson[];
  /** The directory it was installed from, or null when given as YAML text. */
  path: string | null;
  installed_at: string;
}

/** One step of a run. */
export interface RunStepJson {
  id: string;
  type: StepTypeJson;
  /** The agent that runs it; null for a gate. */
  agent: string | null;
  status: StepStatusJson;
  retry_count: number;
  rework_count: number;
  /** The latest successful reply (or retry request), raw. */
  output: string | null;
}

/** One story of a run's loop. */
export interface RunStoryJson {
  id: string;
  title: string;
  description: string;
  acceptance_criteria: string[];
  status: StoryStatusJson;
  retry_count: number;
  origin: "plan" | "rework";
}

/** One attempt: one OpenCode session. */
export interface RunAttemptJson {
  id: string;
  number: number;
  step: string;
  story: string | null;
  /** The session holding its transcript (`GET /api/sessions/{id}/messages`), once created. */
  session_id: string | null;
  /** null while live. */
  outcome: AttemptOutcomeJson | null;
  /** Why it ended as it did (a reason, a missing key, an error message). */
  detail: string | null;
  tokens: number;
  cost: number;
  started_at: string;
  ended_at: string | null;
}

/**
 * The git worktree a run works in (`"worktree": true` at its start): a
 * branch of its own, checked out under Flock's data directory. It stays
 * when the run ends, its branch holding the work for review, until it is
 * merged (`POST /api/runs/{id}/merge`) or removed
 * (`DELETE /api/runs/{id}/worktree`).
 */
export interface RunWorktreeJson {
  /** The worktree's top directory. */
  path: string;
  /** The run's branch (`flock/run-<number>-<task words>`). */
  branch: string;
  /** What the branch was made from: a local branch name, or a commit id. */
  base: string;
  /** Set once Flock merged the branch into `base`: the base's commit after, and when. */
  merged: { commit: string; at: string } | null;
  /**
   * Set once Flock removed the worktree (after its merge, or on request):
   * when, and whether its branch was deleted too (only a merged one is).
   */
  removed: { at: string; branch_deleted: boolean } | null;
}

/** A run as `GET /api/runs/{id}` returns it. */
export interface RunJson {
  id: string;
  run_number: number;
  workflow: string;
  workflow_version: number;
  instance_id: string;
  status: RunStatusJson;
  task: string;
  context: Record<string, string>;
  steps: RunStepJson[];
  stories: RunStoryJson[];
  attempts: RunAttemptJson[];
  cost: number;
  /** Why the run waits for a person (gate, escalation, input), or null. */
  blocked_reason: string | null;
  /** Why the run failed, or null. */
  failure_reason: string | null;
  /** Its own worktree, or null when it works in the instance's directory. */
  worktree: RunWorktreeJson | null;
  created_at: string;
  updated_at: string;
}

/** A run without its lists, as `run.updated` and `GET /api/runs` carry it. */
export interface RunSummaryJson
  extends Omit<RunJson, "context" | "steps" | "stories" | "attempts"> {
  /** The step the run is at (its card's column), or null when finished. */
  current_step: string | null;
  stories_done: number;
  stories_total: number;
}

/** `run.updated`: a run was created or changed. */
export interface RunUpdatedEvent {
  type: "run.updated";
  instance_id: string;
  properties: { run: RunSummaryJson };
}

/** `step.updated`: a step of a run changed. */
export interface StepUpdatedEvent {
  type: "step.updated";
  instance_id: string;
  properties: { run_id: string; step: RunStepJson };
}

/** `story.updated`: a story of a run was created or changed. */
export interface StoryUpdatedEvent {
  type: "story.updated";
  instance_id: string;
  properties: { run_id: string; story: RunStoryJson };
}

/** `attempt.updated`: an attempt of a run began, got its session, or ended. */
export interface AttemptUpdatedEvent {
  type: "attempt.updated";
  instance_id: string;
  properties: { run_id: string; attempt: RunAttemptJson };
}

/**
 * `run.notice`: something a person should hear about (a notification):
 * the run is blocked on them, failed, or completed. Sent once per `key`.
 */
export interface RunNoticeEvent {
  type: "run.notice";
  instance_id: string;
  properties: {
    run_id: string;
    /** Unique per notice (`<run id>:<n>`); a notifier shows each key once. */
    key: string;
    kind: "blocked" | "failed" | "completed";
    step: string | null;
    story: string | null;
    reason: string;
    run: RunSummaryJson;
  };
}

/** The run events Flock publishes. */
export type RunEventJson =
  | RunUpdatedEvent
  | StepUpdatedEvent
  | StoryUpdatedEvent
  | AttemptUpdatedEvent
  | RunNoticeEvent;
