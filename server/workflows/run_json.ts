/**
 * The pure functions that build the wire shapes of workflows and runs
 * (`server/contract/workflows.ts`) and their events from the engine's
 * state: what the API returns and what `/api/events` carries.
 *
 * @module
 */
import type {
  RunAttemptJson,
  RunEventJson,
  RunJson,
  RunStepJson,
  RunStoryJson,
  RunSummaryJson,
  RunWorktreeJson,
  WorkflowJson,
} from "../contract/workflows.ts";
import {
  type AttemptState,
  isTerminal,
  type RunState,
  type RunWorktreeState,
} from "./run_state.ts";
import type { LoadedWorkflow } from "./workflow_loader.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/** An installed workflow's JSON (`revision`: Flock's install counter for its id). */
export function toWorkflowJson(
  loaded: LoadedWorkflow,
  installedAt: number,
  revision = 1,
): WorkflowJson {
  const { spec } = loaded;
  return {
    id: spec.id,
    name: spec.name,
    version: spec.version,
    revision,
    description: spec.description,
    agents: spec.agents.map((agent) => ({
      id: agent.id,
      name: agent.name,
      role: agent.role,
      description: agent.description,
      files: agent.files.map((file) => file.name),
    })),
    steps: spec.steps.map((step) => ({
      id: step.id,
      type: step.type,
      agent: step.type === "gate" ? null : step.agent,
      verify_step: step.type === "loop" ? step.loop.verifyStep : null,
      retry_step: step.type === "gate" ? null : step.onFail.retryStep,
    })),
    warnings: loaded.warnings.map((warning) => ({ ...warning })),
    path: loaded.dir,
    installed_at: iso(installedAt),
  };
}

function stepJson(state: RunState, index: number): RunStepJson {
  const step = state.steps[index]!;
  const spec = state.workflow.spec.steps[index]!;
  return {
    id: step.id,
    type: spec.type,
    agent: spec.type === "gate" ? null : spec.agent,
    status: step.status,
    retry_count: step.retryCount,
    rework_count: step.reworkCount,
    output: step.output,
  };
}

function storyJson(story: RunState["stories"][number]): RunStoryJson {
  return {
    id: story.id,
    title: story.title,
    description: story.description,
    acceptance_criteria: [...story.acceptanceCriteria],
    status: story.status,
    retry_count: story.retryCount,
    origin: story.origin,
  };
}

/** A run's worktree as the API shows it. */
export function toWorktreeJson(worktree: RunWorktreeState): RunWorktreeJson {
  const { path, branch, base, merged, removed } = worktree;
  return {
    path,
    branch,
    base,
    merged: merged === null ? null : { ...merged },
    removed: removed === null
      ? null
      : { at: removed.at, branch_deleted: removed.branchDeleted },
  };
}

/** A run's summary (no lists). */
export function toRunSummaryJson(state: RunState): RunSummaryJson {
  const current = isTerminal(state.status)
    ? null
    : state.steps.find((step) =>
      step.status === "running" || step.status === "pending" ||
      step.status === "blocked" || step.status === "failed"
    )?.id ?? null;
  return {
    id: state.id,
    run_number: state.runNumber,
    workflow: state.workflow.spec.id,
    workflow_version: state.workflow.spec.version,
    instance_id: state.instanceId,
    status: state.status,
    task: state.task,
    cost: state.attempts.reduce((sum, attempt) => sum + attempt.cost, 0),
    blocked_reason: state.blocked?.reason ?? null,
    failure_reason: state.failure?.reason ?? null,
    worktree: state.worktree === null ? null : toWorktreeJson(state.worktree),
    created_at: iso(state.createdAt),
    updated_at: iso(state.updatedAt),
    current_step: current,
    stories_done: state.stories.filter((s) => s.status === "done").length,
    stories_total: state.stories.length,
  };
}

/** A run's full JSON. */
export function toRunJson(state: RunState): RunJson {
  const {
    current_step: _current,
    stories_done: _done,
    stories_total: _total,
    ...summary
  } = toRunSummaryJson(state);
  return {
    ...summary,
    context: { ...state.context },
    steps: state.steps.map((_, index) => stepJson(state, index)),
    stories: state.stories.map(storyJson),
    attempts: state.attempts.map(toAttemptJson),
  };
}

/** One attempt's JSON. */
export function toAttemptJson(attempt: AttemptState): RunAttemptJson {
  return {
    id: attempt.id,
    number: attempt.number,
    step: attempt.step,
    story: attempt.story,
    session_id: attempt.sessionId,
    outcome: attempt.outcome,
    detail: attempt.detail,
    tokens: attempt.tokens,
    cost: attempt.cost,
    started_at: iso(attempt.startedAt),
    ended_at: attempt.endedAt === null ? null : iso(attempt.endedAt),
  };
}

/**
 * The events that tell clients about the change from `before` (null for a
 * new run) to `after`: `step.updated`, `story.updated` and
 * `attempt.updated` for each changed step, story and attempt, then
 * `run.updated` if anything changed.
 */
export function runEventsBetween(
  before: RunState | null,
  after: RunState,
): RunEventJson[] {
  const events: RunEventJson[] = [];
  const instance_id = after.instanceId;
  after.steps.forEach((_, index) => {
    const now = stepJson(after, index);
    const then = before === null ? null : stepJson(before, index);
    if (!sameJson(now, then)) {
      events.push({
        type: "step.updated",
        instance_id,
        properties: { run_id: after.id, step: now },
      });
    }
  });
  for (const story of after.stories) {
    const now = storyJson(story);
    const old = before?.stories.find((s) => s.id === story.id);
    if (old === undefined || !sameJson(now, storyJson(old))) {
      events.push({
        type: "story.updated",
        instance_id,
        properties: { run_id: after.id, story: now },
      });
    }
  }
  for (const attempt of after.attempts) {
    const now = toAttemptJson(attempt);
    const old = before?.attempts.find((a) => a.id === attempt.id);
    if (old === undefined || !sameJson(now, toAttemptJson(old))) {
      events.push({
        type: "attempt.updated",
        instance_id,
        properties: { run_id: after.id, attempt: now },
      });
    }
  }
  const summary = toRunSummaryJson(after);
  const changed = events.length > 0 || before === null ||
    !sameJson(summary, toRunSummaryJson(before));
  if (changed) {
    events.push({
      type: "run.updated",
      instance_id,
      properties: { run: summary },
    });
  }
  return events;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
