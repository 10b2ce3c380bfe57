/**
 * The component schemas of the routes that drive agents: questions,
 * queued messages, marks, what an instance offers (agents, models,
 * commands), usage, todos and search results. Merged into
 * `COMPONENT_SCHEMAS` (`openapi_schemas.ts`).
 *
 * @module
 */
import type { JsonSchema } from "./openapi.ts";

/** A reference to a component schema. */
function ref(name: string): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

/** An array of `items`. */
export function arrayOf(items: JsonSchema): JsonSchema {
  return { type: "array", items };
}

/** An ISO timestamp. */
export const TIMESTAMP: JsonSchema = {
  type: "string",
  format: "date-time",
  description: "ISO 8601, UTC",
};

const COUNT: JsonSchema = { type: "integer", minimum: 0 };

/** Token counts, as OpenCode reports them. */
export const TOKENS: JsonSchema = {
  type: "object",
  required: ["input", "output", "reasoning", "cache"],
  properties: {
    input: COUNT,
    output: COUNT,
    reasoning: COUNT,
    cache: {
      type: "object",
      required: ["read", "write"],
      properties: { read: COUNT, write: COUNT },
    },
  },
};

const NULLABLE_STRING: JsonSchema = { type: ["string", "null"] };

/** The driving routes' component schemas. */
export const DRIVING_SCHEMAS: Record<string, JsonSchema> = {
  Question: {
    type: "object",
    description:
      "A pending question of OpenCode's question tool, tagged with its instance and top-level session. Answer with one list of labels per question: one label unless `multiple`, an option's label or free text unless `custom` is false.",
    required: [
      "id",
      "sessionID",
      "questions",
      "instance_id",
      "root_session_id",
    ],
    properties: {
      id: { type: "string", description: "OpenCode's `que_…` id" },
      sessionID: { type: "string" },
      questions: arrayOf({
        type: "object",
        required: ["question", "header", "options"],
        properties: {
          question: { type: "string" },
          header: { type: "string" },
          options: arrayOf({
            type: "object",
            required: ["label", "description"],
            properties: {
              label: { type: "string" },
              description: { type: "string" },
            },
          }),
          multiple: { type: "boolean" },
          custom: {
            type: "boolean",
            description: "Free text allowed (default true)",
          },
        },
      }),
      tool: {
        type: "object",
        properties: {
          messageID: { type: "string" },
          callID: { type: "string" },
        },
      },
      instance_id: { type: "string" },
      root_session_id: { type: "string" },
    },
  },
  QueuedMessage: {
    type: "object",
    description:
      "A message (or `/` command) on its way to OpenCode: `sent` at once, or `queued` until its session is idle, `sending` while handed over, `failed` with its `error` (it then holds back the ones after it until retried or cancelled)",
    required: [
      "id",
      "session_id",
      "instance_id",
      "kind",
      "text",
      "command",
      "model",
      "agent",
      "variant",
      "status",
      "error",
      "created_at",
      "updated_at",
    ],
    properties: {
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
    },
  },
  Mark: {
    type: "object",
    description:
      "Flock's mark: `interrupted` on a tool part that was running when its OpenCode died or stopped, `aborted` on a reply aborted while OpenCode retried the provider",
    required: [
      "kind",
      "session_id",
      "message_id",
      "part_id",
      "tool",
      "reason",
      "at",
    ],
    properties: {
      kind: { type: "string", enum: ["interrupted", "aborted"] },
      session_id: { type: "string" },
      message_id: { type: "string" },
      part_id: NULLABLE_STRING,
      tool: NULLABLE_STRING,
      reason: { type: "string" },
      at: TIMESTAMP,
    },
  },
  Agent: {
    type: "object",
    required: ["name", "description", "mode", "hidden", "model", "variant"],
    properties: {
      name: { type: "string" },
      description: NULLABLE_STRING,
      mode: { type: "string", enum: ["primary", "subagent", "all"] },
      hidden: { type: "boolean" },
      model: NULLABLE_STRING,
      variant: NULLABLE_STRING,
    },
  },
  Models: {
    type: "object",
    required: ["default", "providers"],
    properties: {
      default: NULLABLE_STRING,
      providers: arrayOf({
        type: "object",
        required: ["id", "name", "models"],
        properties: {
          id: { type: "string" },
          name: { type: "string" },
          models: arrayOf({
            type: "object",
            required: [
              "id",
              "ref",
              "name",
              "variants",
              "context_limit",
              "output_limit",
              "reasoning",
              "attachment",
              "tool_call",
              "cost",
            ],
            properties: {
              id: { type: "string" },
              ref: { type: "string", description: '"provider/model"' },
              name: { type: "string" },
              variants: arrayOf({ type: "string" }),
              context_limit: COUNT,
              output_limit: COUNT,
              reasoning: { type: "boolean" },
              attachment: { type: "boolean" },
              tool_call: { type: "boolean" },
              cost: {
                type: "object",
                properties: {
                  input: { type: "number" },
                  output: { type: "number" },
                },
              },
            },
          }),
        },
      }),
    },
  },
  Command: {
    type: "object",
    required: ["name", "description", "source", "hints", "subtask"],
    properties: {
      name: { type: "string" },
      description: NULLABLE_STRING,
      source: NULLABLE_STRING,
      hints: arrayOf({ type: "string" }),
      subtask: { type: "boolean" },
    },
  },
  Usage: {
    type: "object",
    required: ["instance_id", "sessions", "busy", "cost", "tokens"],
    properties: {
      instance_id: { type: "string" },
      sessions: COUNT,
      busy: COUNT,
      cost: { type: "number" },
      tokens: TOKENS,
    },
  },
  Todo: {
    type: "object",
    required: ["content", "status", "priority"],
    properties: {
      content: { type: "string" },
      status: {
        type: "string",
        description: "pending, in_progress, completed or cancelled",
      },
      priority: { type: "string" },
    },
  },
  Search: {
    type: "object",
    required: ["query", "results"],
    properties: {
      query: { type: "string" },
      results: arrayOf({
        type: "object",
        required: ["session", "instance_name", "hits"],
        properties: {
          session: ref("Session"),
          instance_name: { type: "string" },
          hits: arrayOf({
            type: "object",
            required: ["kind", "message_id", "part_id", "snippet"],
            properties: {
              kind: { type: "string", enum: ["title", "text"] },
              message_id: NULLABLE_STRING,
              part_id: NULLABLE_STRING,
              snippet: arrayOf({
                type: "object",
                required: ["text", "hit"],
                properties: {
                  text: { type: "string" },
                  hit: {
                    type: "boolean",
                    description: "Matched the query: highlight it",
                  },
                },
              }),
            },
          }),
        },
      }),
    },
  },
};
