/**
 * The OpenAPI component schemas of workflows and runs
 * (`server/contract/workflows.ts`), merged into the document's components
 * by `openapi.ts`.
 *
 * @module
 */
import {
  ATTEMPT_OUTCOMES,
  RUN_STATUSES,
  STEP_STATUSES,
  STEP_TYPES,
  STORY_STATUSES,
} from "../contract/workflows.ts";
import { AGENT_ROLES } from "../workflows/spec_types.ts";
import type { JsonSchema } from "./openapi.ts";
import {
  arrayOf,
  NULLABLE_STRING,
  object,
  ref,
  stringEnum,
  TIMESTAMP,
} from "./openapi_builders.ts";

const RUN_SUMMARY_FIELDS: Record<string, JsonSchema> = {
  id: { type: "string", pattern: "^run_" },
  run_number: { type: "integer", minimum: 1, description: "1, 2, … in order" },
  workflow: { type: "string" },
  workflow_version: { type: "integer" },
  instance_id: { type: "string" },
  status: stringEnum(RUN_STATUSES),
  task: { type: "string" },
  cost: { type: "number" },
  blocked_reason: {
    ...NULLABLE_STRING,
    description:
      "Why the run waits for a person (a gate, an escalation, an agent's permission or question)",
  },
  failure_reason: NULLABLE_STRING,
  worktree: {
    oneOf: [ref("RunWorktree"), { type: "null" }],
    description:
      "The run's own git worktree (started with `worktree: true`), or null: it works in the instance's directory",
  },
  created_at: TIMESTAMP,
  updated_at: TIMESTAMP,
};

/** The schemas `Workflow`, `Run`, `RunSummary`, `RunStep`, `RunStory`, `RunAttempt`, `RunWorktree`, `SpecIssue`. */
export const RUN_SCHEMAS: Record<string, JsonSchema> = {
  RunWorktree: object({
    path: { type: "string", description: "The worktree's top directory" },
    branch: {
      type: "string",
      description: "The run's branch (`flock/run-<number>-<task words>`)",
    },
    base: {
      type: "string",
      description:
        "What the branch was made from: a local branch name, or a commit id",
    },
    merged: {
      oneOf: [
        object({
          commit: {
            type: "string",
            description: "The base's commit after the merge",
          },
          at: TIMESTAMP,
        }),
        { type: "null" },
      ],
      description:
        "Set once Flock merged the branch into `base` (`POST /api/runs/{id}/merge`)",
    },
    removed: {
      oneOf: [
        object({
          at: TIMESTAMP,
          branch_deleted: {
            type: "boolean",
            description: "Only a merged branch is deleted",
          },
        }),
        { type: "null" },
      ],
      description:
        "Set once Flock removed the worktree (after its merge, or `DELETE /api/runs/{id}/worktree`)",
    },
  }, {
    description:
      "A run's own worktree; it stays when the run ends, its branch holding the work for review, until it is merged or removed",
  }),
  SpecIssue: object({
    path: { type: "string", description: "e.g. steps[3].loop.verify_step" },
    message: { type: "string" },
  }, {
    optional: { line: { type: "integer" }, column: { type: "integer" } },
  }),
  Workflow: object({
    id: { type: "string" },
    name: { type: "string" },
    version: { type: "integer", description: "The spec's own version" },
    revision: {
      type: "integer",
      minimum: 1,
      description:
        "Flock's install counter for this id; runs keep the revision they started with",
    },
    description: NULLABLE_STRING,
    agents: arrayOf(object({
      id: { type: "string" },
      name: { type: "string" },
      role: stringEnum(AGENT_ROLES),
      description: NULLABLE_STRING,
      files: arrayOf({ type: "string" }),
    })),
    steps: arrayOf(object({
      id: { type: "string" },
      type: stringEnum(STEP_TYPES),
      agent: NULLABLE_STRING,
      verify_step: NULLABLE_STRING,
      retry_step: NULLABLE_STRING,
    })),
    warnings: arrayOf(ref("SpecIssue")),
    path: NULLABLE_STRING,
    installed_at: TIMESTAMP,
  }, { description: "An installed workflow (antfarm's format)" }),
  RunStep: object({
    id: { type: "string" },
    type: stringEnum(STEP_TYPES),
    agent: NULLABLE_STRING,
    status: stringEnum(STEP_STATUSES),
    retry_count: { type: "integer" },
    rework_count: { type: "integer" },
    output: NULLABLE_STRING,
  }),
  RunStory: object({
    id: { type: "string" },
    title: { type: "string" },
    description: { type: "string" },
    acceptance_criteria: arrayOf({ type: "string" }),
    status: stringEnum(STORY_STATUSES),
    retry_count: { type: "integer" },
    origin: { type: "string", enum: ["plan", "rework"] },
  }),
  RunAttempt: object({
    id: { type: "string" },
    number: { type: "integer" },
    step: { type: "string" },
    story: NULLABLE_STRING,
    session_id: {
      ...NULLABLE_STRING,
      description:
        "The OpenCode session holding the transcript (GET /api/sessions/{id}/messages)",
    },
    outcome: { type: ["string", "null"], enum: [...ATTEMPT_OUTCOMES, null] },
    detail: NULLABLE_STRING,
    tokens: { type: "integer" },
    cost: { type: "number" },
    started_at: TIMESTAMP,
    ended_at: { type: ["string", "null"], format: "date-time" },
  }),
  RunSummary: object({
    ...RUN_SUMMARY_FIELDS,
    current_step: {
      ...NULLABLE_STRING,
      description: "The step the run is at (its board column)",
    },
    stories_done: { type: "integer" },
    stories_total: { type: "integer" },
  }, { description: "A run without its lists (GET /api/runs, run.updated)" }),
  Run: object({
    ...RUN_SUMMARY_FIELDS,
    context: {
      type: "object",
      additionalProperties: { type: "string" },
      description: "The outputs of the steps so far (lower-case keys)",
    },
    steps: arrayOf(ref("RunStep")),
    stories: arrayOf(ref("RunStory")),
    attempts: arrayOf(ref("RunAttempt")),
  }, { description: "A run of a workflow" }),
};
