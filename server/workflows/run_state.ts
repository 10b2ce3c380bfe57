/**
 * A workflow run as data: its steps, stories and attempts. {@linkcode decide}
 * is the only function that moves it; this module creates it and answers
 * questions about it.
 *
 * @module
 */
import type { LoadedWorkflow } from "./workflow_loader.ts";
import { agentSystemText } from "./workflow_loader.ts";
import type {
  AgentSpec,
  AgentStepSpec,
  StepSpec,
  WorkflowSpec,
} from "./spec_types.ts";

/** A run's status. Only `running` issues commands on its own. */
export type RunStatus =
  | "running"
  | "blocked"
  | "completed"
  | "failed"
  | "cancelled";

/** A step's status within a run. */
export type StepStatus =
  | "waiting"
  | "pending"
  | "running"
  | "done"
  | "failed"
  | "blocked"
  | "skipped";

/** A story's status: `verifying` means implemented, waiting for or under verification. */
export type StoryStatus =
  | "pending"
  | "running"
  | "verifying"
  | "done"
  | "failed"
  | "skipped";

/**
 * Where a live attempt is: gathering template inputs, creating its session,
 * sending its prompt, running, or waiting for a person's answer.
 */
export type AttemptPhase =
  | "preparing"
  | "creating_session"
  | "prompting"
  | "running"
  | "waiting_input"
  | "ended";

/** How an attempt ended. */
export type AttemptOutcome =
  | "passed"
  | "retry"
  | "failed"
  | "errored"
  | "timed_out"
  | "missing_keys"
  | "aborted"
  | "interrupted";

/** One attempt: one OpenCode session for one step (and story). */
export interface AttemptState {
  /** `<run id>.<number>`: the key of its row and of its session's title. */
  id: string;
  /** 1-based, in the order attempts were made in the run. */
  number: number;
  step: string;
  story: string | null;
  phase: AttemptPhase;
  outcome: AttemptOutcome | null;
  /** Why it ended as it did (a reason, a missing key, an error message). */
  detail: string | null;
  sessionId: string | null;
  /** The filled template, once filled. */
  prompt: string | null;
  /** The final reply, once idle. */
  reply: string | null;
  startedAt: number;
  endedAt: number | null;
  /** When the role timeout fires (null when not armed). */
  deadline: number | null;
  /** The timeout left while paused for a person. */
  remainingMs: number | null;
  tokens: number;
  cost: number;
}

/** One step of the run. */
export interface StepState {
  id: string;
  status: StepStatus;
  /** Failed attempts retried in the current round (single steps). */
  retryCount: number;
  /** Times this step sent work back through `on_fail.retry_step`. */
  reworkCount: number;
  /** The latest successful reply. */
  output: string | null;
}

/** One story of a loop. */
export interface StoryState {
  id: string;
  title: string;
  description: string;
  acceptanceCriteria: string[];
  status: StoryStatus;
  /** Times the story went back (failed attempts and verifier retries). */
  retryCount: number;
  /** `plan` from STORIES_JSON, `rework` when a later step sent work back to the loop. */
  origin: "plan" | "rework";
}

/** Why a run waits for a person. */
export interface BlockedState {
  /** `gate`: approval step; `escalation`: retries exhausted; `input`: an agent asked a question or permission. */
  kind: "gate" | "escalation" | "input";
  step: string;
  story: string | null;
  reason: string;
}

/** Why a run failed. */
export interface FailureState {
  step: string;
  story: string | null;
  reason: string;
}

/** The workflow a run follows, pinned when it starts (a newer version never changes it). */
export interface RunWorkflow {
  spec: WorkflowSpec;
  /** Agent id → its system text (its files). */
  systems: Record<string, string>;
}

/** The git worktree a run works in (the engine only carries it). */
export interface RunWorktreeState {
  path: string;
  branch: string;
  base: string;
  /** Flock merged the branch into its base: the base's commit after, and when (ISO 8601). */
  merged: { commit: string; at: string } | null;
  /** Flock removed the worktree: when (ISO 8601), and whether its branch went too. */
  removed: { at: string; branchDeleted: boolean } | null;
}

/** The whole state of a run. */
export interface RunState {
  id: string;
  runNumber: number;
  instanceId: string;
  workflow: RunWorkflow;
  /** Its own worktree, set at creation, or null (the instance's directory). */
  worktree: RunWorktreeState | null;
  status: RunStatus;
  task: string;
  /** Outputs of earlier steps (lower-case keys) over the spec's `context`. */
  context: Record<string, string>;
  /** Feedback from the step that last sent work back, until that step passes. */
  feedback: { from: string; text: string } | null;
  steps: StepState[];
  stories: StoryState[];
  /** Whether a step has defined the stories (STORIES_JSON seen). */
  storiesPlanned: boolean;
  attempts: AttemptState[];
  blocked: BlockedState | null;
  failure: FailureState | null;
  /** Counts notifications, for their idempotency keys. */
  notices: number;
  createdAt: number;
  updatedAt: number;
}

/** What {@linkcode createRunState} needs. */
export interface RunInit {
  id: string;
  runNumber: number;
  instanceId: string;
  workflow: RunWorkflow;
  task: string;
  at: number;
  /** The run's own worktree. Default none. */
  worktree?: RunWorktreeState | null;
}

/** Pins a loaded workflow for runs: its spec and each agent's system text. */
export function pinWorkflow(loaded: LoadedWorkflow): RunWorkflow {
  const systems: Record<string, string> = {};
  for (const agent of loaded.spec.agents) {
    systems[agent.id] = agentSystemText(loaded.agentFiles[agent.id] ?? []);
  }
  return { spec: loaded.spec, systems };
}

/** A new run: every step waiting. Send it `{ type: "start" }` to begin. */
export function createRunState(init: RunInit): RunState {
  return {
    id: init.id,
    runNumber: init.runNumber,
    instanceId: init.instanceId,
    workflow: init.workflow,
    worktree: init.worktree ?? null,
    status: "running",
    task: init.task,
    context: { ...init.workflow.spec.context },
    feedback: null,
    steps: init.workflow.spec.steps.map((step) => ({
      id: step.id,
      status: "waiting",
      retryCount: 0,
      reworkCount: 0,
      output: null,
    })),
    stories: [],
    storiesPlanned: false,
    attempts: [],
    blocked: null,
    failure: null,
    notices: 0,
    createdAt: init.at,
    updatedAt: init.at,
  };
}

/** The run's live attempt (at most one exists), or null. */
export function liveAttempt(state: RunState): AttemptState | null {
  return state.attempts.find((attempt) => attempt.phase !== "ended") ?? null;
}

/** A step's spec by id (every id in a run's state is in its spec). */
export function stepSpec(state: RunState, id: string): StepSpec {
  const step = state.workflow.spec.steps.find((s) => s.id === id);
  if (step === undefined) throw new RangeError(`Unknown step "${id}"`);
  return step;
}

/** An agent step's spec by id. */
export function agentStepSpec(state: RunState, id: string): AgentStepSpec {
  const step = stepSpec(state, id);
  if (step.type === "gate") throw new RangeError(`Step "${id}" is a gate`);
  return step;
}

/** An agent's spec by id. */
export function agentSpec(state: RunState, id: string): AgentSpec {
  const agent = state.workflow.spec.agents.find((a) => a.id === id);
  if (agent === undefined) throw new RangeError(`Unknown agent "${id}"`);
  return agent;
}

/** The loop step that a step verifies stories for, or null. */
export function loopOfVerifier(
  spec: WorkflowSpec,
  stepId: string,
): string | null {
  for (const step of spec.steps) {
    if (step.type === "loop" && step.loop.verifyStep === stepId) return step.id;
  }
  return null;
}

/** The index of the first loop step, or -1. */
export function firstLoopIndex(spec: WorkflowSpec): number {
  return spec.steps.findIndex((step) => step.type === "loop");
}

/** A step's state by id. */
export function stepState(state: RunState, id: string): StepState {
  const step = state.steps.find((s) => s.id === id);
  if (step === undefined) throw new RangeError(`Unknown step "${id}"`);
  return step;
}

/** A story's state by id. */
export function storyState(state: RunState, id: string): StoryState {
  const story = state.stories.find((s) => s.id === id);
  if (story === undefined) throw new RangeError(`Unknown story "${id}"`);
  return story;
}

/** Whether a run can no longer move without a person's `resume`. */
export function isTerminal(status: RunStatus): boolean {
  return status === "completed" || status === "failed" ||
    status === "cancelled";
}
