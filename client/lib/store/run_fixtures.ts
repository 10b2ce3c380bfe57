/**
 * Run and workflow JSON for the client's unit tests.
 *
 * @module
 */
import type { FlockEvent } from "../../../server/contract/events.ts";
import type {
  RunAttemptJson,
  RunJson,
  RunStepJson,
  RunSummaryJson,
  WorkflowJson,
} from "../../../server/contract/workflows.ts";
import { summaryOf } from "./run_updates.ts";

/** A workflow with steps plan → review (a gate) → ship. */
export function workflowFixture(id = "wf"): WorkflowJson {
  return {
    id,
    name: `Workflow ${id}`,
    version: 1,
    revision: 1,
    description: null,
    agents: [],
    steps: [
      {
        id: "plan",
        type: "single",
        agent: "a",
        verify_step: null,
        retry_step: null,
      },
      {
        id: "review",
        type: "gate",
        agent: null,
        verify_step: null,
        retry_step: null,
      },
      {
        id: "ship",
        type: "single",
        agent: "a",
        verify_step: null,
        retry_step: null,
      },
    ],
    warnings: [],
    path: null,
    installed_at: "2026-01-01T00:00:00.000Z",
  };
}

/** A step of a run. */
export function stepFixture(
  id: string,
  status: RunStepJson["status"],
): RunStepJson {
  return {
    id,
    type: id === "review" ? "gate" : "single",
    agent: id === "review" ? null : "a",
    status,
    retry_count: 0,
    rework_count: 0,
    output: null,
  };
}

/** A run of {@linkcode workflowFixture} at its first step. */
export function runFixture(
  id = "run_1",
  overrides: Partial<RunJson> = {},
): RunJson {
  return {
    id,
    run_number: 1,
    workflow: "wf",
    workflow_version: 1,
    instance_id: "i1",
    status: "running",
    task: "do it",
    context: {},
    steps: [
      stepFixture("plan", "running"),
      stepFixture("review", "waiting"),
      stepFixture("ship", "waiting"),
    ],
    stories: [],
    attempts: [],
    cost: 0,
    blocked_reason: null,
    failure_reason: null,
    worktree: null,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:01.000Z",
    ...overrides,
  };
}

/** An attempt of a run. */
export function attemptFixture(
  number: number,
  overrides: Partial<RunAttemptJson> = {},
): RunAttemptJson {
  return {
    id: `att_${number}`,
    number,
    step: "plan",
    story: null,
    session_id: `ses_${number}`,
    outcome: null,
    detail: null,
    tokens: 0,
    cost: 0,
    started_at: "2026-01-01T00:00:01.000Z",
    ended_at: null,
    ...overrides,
  };
}

/** `run.updated` with the run's summary (optionally changed). */
export function runUpdated(
  run: RunJson,
  overrides: Partial<RunSummaryJson> = {},
): FlockEvent {
  return {
    type: "run.updated",
    instance_id: run.instance_id,
    properties: { run: { ...summaryOf(run), ...overrides } },
  };
}
