/**
 * The OpenAPI component schemas of workflows and runs
 * (`server/contract/workflows.ts`), merged into the document's components
 * by `openapi.ts`.
 *
 * @module
 */
import { RUN_STATUSES } from "../contract/workflows.ts";
import type { JsonSchema } from "./openapi.ts";

const TIMESTAMP: JsonSchema = {
  type: "string",
  format: "date-time",
  description: "ISO 8601, UTC",
};
const NULLABLE_STRING: JsonSchema = { type: ["string", "null"] };
const STEP_STATUSES = [
  "waiting",
  "pending",
  "running",
  "done",
  "failed",
  "blocked",
  "skipped",
];
const STORY_STATUSES = [
  "pending",
  "running",
  "verifying",
  "done",
  "failed",
  "skipped",
];
const OUTCOMES = [
  "passed",
  "retry",
  "failed",
  "errored",
  "timed_out",
  "missing_keys",
  "aborted",
  "interrupted",
];

function object(
  properties: Record<string, JsonSchema>,
  description?: string,
): JsonSchema {
  return {
    type: "object",
    ...(description === undefined ? {} : { description }),
    required: Object.keys(properties).filter((key) =>
      key !== "line" && key !== "column"
    ),
    properties,
  };
}

const RUN_SUMMARY_FIELDS: Record<string, JsonSchema> = {
  id: { type: "string", pattern: "^run_" },
  run_number: { type: "integer", minimum: 1, description: "1, 2, … in order" },
  workflow: { type: "string" },
  workflow_version: { type: "integer" },
  instance_id: { type: "string" },
  status: { type: "string", enum: [...RUN_STATUSES] },
  task: { type: "string" },
  cost: { type: "number" },
  blocked_reason: {
    ...NULLABLE_STRING,
    description:
      "Why the run waits for a person (a gate, an escalation, an agent's permission or question)",
  },
  failure_reason: NULLABLE_STRING,
  created_at: TIMESTAMP,
  updated_at: TIMESTAMP,
};

/** The schemas `Workflow`, `Run`, `RunSummary`, `RunStep`, `RunStory`, `RunAttempt`, `SpecIssue`. */
export const RUN_SCHEMAS: Record<string, JsonSchema> = {
  SpecIssue: object({
    path: { type: "string", description: "e.g. steps[3].loop.verify_step" },
    message: { type: "string" },
    line: { type: "integer" },
    column: { type: "integer" },
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
    agents: {
      type: "array",
      items: object({
        id: { type: "string" },
        name: { type: "string" },
        role: {
          type: "string",
          enum: [
            "coding",
            "analysis",
            "verification",
            "testing",
            "pr",
            "scanning",
          ],
        },
        description: NULLABLE_STRING,
        files: { type: "array", items: { type: "string" } },
      }),
    },
    steps: {
      type: "array",
      items: object({
        id: { type: "string" },
        type: { type: "string", enum: ["single", "loop", "gate"] },
        agent: NULLABLE_STRING,
        verify_step: NULLABLE_STRING,
        retry_step: NULLABLE_STRING,
      }),
    },
    warnings: {
      type: "array",
      items: { $ref: "#/components/schemas/SpecIssue" },
    },
    path: NULLABLE_STRING,
    installed_at: TIMESTAMP,
  }, "An installed workflow (antfarm's format)"),
  RunStep: object({
    id: { type: "string" },
    type: { type: "string", enum: ["single", "loop", "gate"] },
    agent: NULLABLE_STRING,
    status: { type: "string", enum: STEP_STATUSES },
    retry_count: { type: "integer" },
    rework_count: { type: "integer" },
    output: NULLABLE_STRING,
  }),
  RunStory: object({
    id: { type: "string" },
    title: { type: "string" },
    description: { type: "string" },
    acceptance_criteria: { type: "array", items: { type: "string" } },
    status: { type: "string", enum: STORY_STATUSES },
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
    outcome: { type: ["string", "null"], enum: [...OUTCOMES, null] },
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
  }, "A run without its lists (GET /api/runs, run.updated)"),
  Run: object({
    ...RUN_SUMMARY_FIELDS,
    context: {
      type: "object",
      additionalProperties: { type: "string" },
      description: "The outputs of the steps so far (lower-case keys)",
    },
    steps: { type: "array", items: { $ref: "#/components/schemas/RunStep" } },
    stories: {
      type: "array",
      items: { $ref: "#/components/schemas/RunStory" },
    },
    attempts: {
      type: "array",
      items: { $ref: "#/components/schemas/RunAttempt" },
    },
  }, "A run of a workflow"),
};
