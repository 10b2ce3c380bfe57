/**
 * The component schemas of the routes that drive agents: questions,
 * queued messages, marks, what an instance offers (agents, models,
 * commands), usage, todos and search results. Merged into
 * `COMPONENT_SCHEMAS` (`openapi_schemas.ts`).
 *
 * @module
 */
import type { JsonSchema } from "./openapi.ts";
import {
  arrayOf,
  COUNT,
  NULLABLE_STRING,
  object,
  ref,
  TIMESTAMP,
  TOOL_CALL,
} from "./openapi_builders.ts";

/** Token counts, as OpenCode reports them. */
export const TOKENS: JsonSchema = object({
  input: COUNT,
  output: COUNT,
  reasoning: COUNT,
  cache: object({ read: COUNT, write: COUNT }),
});

/** The driving routes' component schemas. */
export const DRIVING_SCHEMAS: Record<string, JsonSchema> = {
  Question: object({
    id: { type: "string", description: "OpenCode's `que_…` id" },
    sessionID: { type: "string" },
    questions: arrayOf(object({
      question: { type: "string" },
      header: { type: "string" },
      options: arrayOf(object({
        label: { type: "string" },
        description: { type: "string" },
      })),
    }, {
      optional: {
        multiple: { type: "boolean" },
        custom: {
          type: "boolean",
          description: "Free text allowed (default true)",
        },
      },
    })),
    instance_id: { type: "string" },
    root_session_id: { type: "string" },
  }, {
    description:
      "A pending question of OpenCode's question tool, tagged with its instance and top-level session. Answer with one list of labels per question: one label unless `multiple`, an option's label or free text unless `custom` is false.",
    optional: { tool: TOOL_CALL },
  }),
  QueuedMessage: object({
    id: { type: "string", pattern: "^q_" },
    session_id: { type: "string" },
    instance_id: { type: "string" },
    kind: { type: "string", enum: ["message", "command"] },
    text: { type: "string" },
    command: NULLABLE_STRING,
    model: NULLABLE_STRING,
    agent: NULLABLE_STRING,
    variant: NULLABLE_STRING,
    status: { type: "string", enum: ["sent", "queued", "sending", "failed"] },
    error: NULLABLE_STRING,
    created_at: TIMESTAMP,
    updated_at: TIMESTAMP,
  }, {
    description:
      "A message (or `/` command) on its way to OpenCode: `sent` at once, or `queued` until its session is idle, `sending` while handed over, `failed` with its `error` (it then holds back the ones after it until retried or cancelled)",
  }),
  Mark: object({
    kind: { type: "string", enum: ["interrupted", "aborted"] },
    session_id: { type: "string" },
    message_id: { type: "string" },
    part_id: NULLABLE_STRING,
    tool: NULLABLE_STRING,
    reason: { type: "string" },
    at: TIMESTAMP,
  }, {
    description:
      "Flock's mark: `interrupted` on a tool part that was running when its OpenCode died or stopped, `aborted` on a reply aborted while OpenCode retried the provider",
  }),
  Agent: object({
    name: { type: "string" },
    description: NULLABLE_STRING,
    mode: { type: "string", enum: ["primary", "subagent", "all"] },
    hidden: { type: "boolean" },
    model: NULLABLE_STRING,
    variant: NULLABLE_STRING,
  }),
  Models: object({
    default: NULLABLE_STRING,
    providers: arrayOf(object({
      id: { type: "string" },
      name: { type: "string" },
      models: arrayOf(object({
        id: { type: "string" },
        ref: { type: "string", description: '"provider/model"' },
        name: { type: "string" },
        variants: arrayOf({ type: "string" }),
        context_limit: COUNT,
        output_limit: COUNT,
        reasoning: { type: "boolean" },
        attachment: { type: "boolean" },
        tool_call: { type: "boolean" },
        cost: object({}, {
          optional: { input: { type: "number" }, output: { type: "number" } },
        }),
      })),
    })),
  }),
  Command: object({
    name: { type: "string" },
    description: NULLABLE_STRING,
    source: NULLABLE_STRING,
    hints: arrayOf({ type: "string" }),
    subtask: { type: "boolean" },
  }),
  Usage: object({
    instance_id: { type: "string" },
    sessions: COUNT,
    busy: COUNT,
    cost: { type: "number" },
    tokens: TOKENS,
  }),
  Todo: object({
    content: { type: "string" },
    status: {
      type: "string",
      description: "pending, in_progress, completed or cancelled",
    },
    priority: { type: "string" },
  }),
  Search: object({
    query: { type: "string" },
    results: arrayOf(object({
      session: ref("Session"),
      instance_name: { type: "string" },
      hits: arrayOf(object({
        kind: { type: "string", enum: ["title", "text"] },
        message_id: NULLABLE_STRING,
        part_id: NULLABLE_STRING,
        snippet: arrayOf(object({
          text: { type: "string" },
          hit: {
            type: "boolean",
            description: "Matched the query: highlight it",
          },
        })),
      })),
    })),
  }),
};
