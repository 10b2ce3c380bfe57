/**
 * Draft of the HTTP-facing shapes of workflows and runs, and of their SSE
 * events (`run.updated`, `step.updated`, `story.updated`), with the pure
 * functions that build them from the engine's state. The integration moves
 * the types into `server/contract/`.
 *
 * @module
 */
import {
  isTerminal,
  type RunState,
  type StepStatus,
  type StoryStatus,
} from "./run_state.ts";
import type { RunStatus } from "./run_state.ts";
import type { AgentRole, SpecIssue, StepSpec } from "./spec_types.ts";
import type { LoadedWorkflow } from "./workflow_loader.ts";

/** An installed workflow, as `GET /api/workflows/{id}` returns it. */
export interface WorkflowJson {
  id: string;
  name: string;
  version: number;
  description: string | null;
  agents: {
    id: string;
    name: string;
    role: AgentRole;
    description: string | null;
    files: string[];
  }[];
  steps: {
    id: string;
    type: StepSpec["type"];
    agent: string | null;
    /** For a loop step: the step that verifies each story, or null. */
    verify_step: string | null;
    /** The earlier step that `STATUS: retry` sends work back to, or null. */
    retry_step: string | null;
  }[];
  /** Fields accepted but ignored or unsupported (`skills` …). */
  warnings: SpecIssue[];
  /** The directory it was installed from, or null when given as YAML text. */
  path: string | null;
  installed_at: string;
}

/** One step of a run. */
export interface RunStepJson {
  id: string;
  type: StepSpec["type"];
  /** The agent that runs it; null for a gate. */
  agent: string | null;
  status: StepStatus;
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
  status: StoryStatus;
  retry_count: number;
  origin: "plan" | "rework";
}

/** One attempt: one OpenCode session. */
export interface RunAttemptJson {
  id: string;
  number: number;
  step: string;
  story: string | null;
  /** The session holding its transcript, once created. */
  session_id: string | null;
  /** null while live. */
  outcome: string | null;
  detail: string | null;
  tokens: number;
  cost: number;
  started_at: string;
  ended_at: string | null;
}

/** A run as `GET /api/runs/{id}` returns it. */
export interface RunJson {
  id: string;
  run_number: number;
  workflow: string;
  workflow_version: number;
  instance_id: string;
  status: RunStatus;
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

/** The run events Flock publishes. */
export type RunEventJson =
  | RunUpdatedEvent
  | StepUpdatedEvent
  | StoryUpdatedEvent;

const iso = (ms: number) => new Date(ms).toISOString();

/** An installed workflow's JSON. */
export function toWorkflowJson(
  loaded: LoadedWorkflow,
  installedAt: number,
): WorkflowJson {
  const { spec } = loaded;
  return {
    id: spec.id,
    name: spec.name,
    version: spec.version,
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
    warnings: loaded.warnings,
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
    attempts: state.attempts.map((attempt) => ({
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
    })),
  };
}

/**
 * The events that tell clients about the change from `before` (null for a
 * new run) to `after`: `step.updated` and `story.updated` for each changed
 * step and story, then `run.updated` if anything changed.
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
  const summary = toRunSummaryJson(after);
  const changed = events.length > 0 || before === null ||
    !sameJson(summary, toRunSummaryJson(before)) ||
    !sameJson(toRunJson(after).attempts, toRunJson(before).attempts);
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
