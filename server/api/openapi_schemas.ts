/**
 * The component schemas of Flock's OpenAPI document (`openapi.ts`): the
 * shapes its routes answer with, referred to by name (`ref("Session")`).
 *
 * @module
 */
import { SESSION_WORKTREE_PROPERTIES } from "./openapi_worktrees.ts";
import type { JsonSchema } from "./openapi.ts";
import {
  arrayOf,
  DRIVING_SCHEMAS,
  TIMESTAMP,
  TOKENS,
} from "./openapi_driving_schemas.ts";

/** The component schemas the routes refer to. */
export const COMPONENT_SCHEMAS: Record<string, JsonSchema> = {
  ...DRIVING_SCHEMAS,
  Error: {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        properties: {
          code: { type: "string", description: "Stable machine-readable code" },
          message: {
            type: "string",
            description: "What went wrong, for people",
          },
          files: {
            type: "array",
            items: { type: "string" },
            description:
              "The files it is about (merge conflicts, uncommitted changes), when any",
          },
        },
      },
    },
  },
  Health: {
    type: "object",
    required: ["ok", "version", "uptime_s"],
    properties: {
      ok: { const: true },
      version: { type: "string" },
      uptime_s: { type: "integer", minimum: 0 },
    },
  },
  Instance: {
    type: "object",
    description:
      "One OpenCode server: a local `opencode serve` child Flock runs, or a remote one it attached. Never includes a password.",
    required: [
      "id",
      "name",
      "kind",
      "working_directory",
      "url",
      "status",
      "pid",
      "port",
      "restart_count",
      "exit_code",
      "last_error",
      "idle_timeout_s",
      "hibernated_at",
      "memory_rss_bytes",
      "last_recycle",
      "created_at",
      "updated_at",
    ],
    properties: {
      id: { type: "string", pattern: "^inst_" },
      name: { type: "string" },
      kind: { type: "string", enum: ["local", "remote"] },
      working_directory: {
        type: "string",
        description:
          "Absolute real path (a remote instance: the directory its server reports)",
      },
      url: {
        type: ["string", "null"],
        description:
          "A remote instance's server, `http://[user@]host:port`; null for local ones",
      },
      status: {
        type: "string",
        enum: [
          "starting",
          "running",
          "stopping",
          "stopped",
          "error",
          "hibernating",
          "hibernated",
        ],
        description:
          "`hibernated`: its child was stopped after `idle_timeout_s` without activity; the next request that needs it wakes it (`starting` with `hibernated_at` set means waking)",
      },
      pid: { type: ["integer", "null"] },
      port: { type: ["integer", "null"] },
      restart_count: { type: "integer", minimum: 0 },
      exit_code: { type: ["integer", "null"] },
      last_error: { type: ["string", "null"] },
      idle_timeout_s: {
        type: "integer",
        minimum: 0,
        description:
          "Seconds without activity before it hibernates; 0 never (always 0 for a remote instance)",
      },
      hibernated_at: { ...TIMESTAMP, type: ["string", "null"] },
      memory_rss_bytes: {
        type: ["integer", "null"],
        description:
          "Resident memory of the child and all its descendants, refreshed every few seconds while someone watches; null without a local process",
      },
      last_recycle: {
        type: ["object", "null"],
        description: "The last restart over --max-instance-memory",
        required: ["at", "rss_bytes", "limit_bytes"],
        properties: {
          at: TIMESTAMP,
          rss_bytes: { type: "integer" },
          limit_bytes: { type: "integer" },
        },
      },
      created_at: TIMESTAMP,
      updated_at: TIMESTAMP,
    },
  },
  Session: {
    type: "object",
    required: [
      "id",
      "instance_id",
      "title",
      "status",
      "created_at",
      "updated_at",
    ],
    properties: {
      id: { type: "string", description: "OpenCode's `ses_…` id" },
      instance_id: { type: "string" },
      title: { type: "string" },
      status: { type: "string", enum: ["idle", "busy", "retry", "error"] },
      created_at: TIMESTAMP,
      updated_at: TIMESTAMP,
      ...SESSION_WORKTREE_PROPERTIES,
      parent_id: {
        type: "string",
        description:
          "A subagent's child session: the session that started it (absent on top-level sessions)",
      },
      model: {
        type: "string",
        description:
          '"provider/model" the session used last (what Flock sends next unless a message names another)',
      },
      variant: { type: "string" },
      agent: { type: "string" },
      tokens: TOKENS,
      cost: { type: "number", minimum: 0 },
    },
  },
  Message: {
    type: "object",
    description:
      "OpenCode's message with its parts, passed through unchanged (an assistant `info` has the reply's `modelID`, `providerID`, `agent`, `tokens`, `cost` and `time.created`/`time.completed`), plus Flock's `marks` on it when there are some",
    required: ["info", "parts"],
    properties: {
      info: { type: "object" },
      parts: arrayOf({ type: "object" }),
      marks: arrayOf({ $ref: "#/components/schemas/Mark" }),
    },
  },
  Permission: {
    type: "object",
    description:
      "A pending OpenCode permission request, tagged with its instance",
    required: [
      "id",
      "sessionID",
      "permission",
      "patterns",
      "metadata",
      "always",
      "instance_id",
    ],
    properties: {
      id: { type: "string", description: "OpenCode's `per_…` id" },
      sessionID: { type: "string" },
      permission: { type: "string", description: "e.g. `bash`" },
      patterns: arrayOf({ type: "string" }),
      metadata: { type: "object" },
      always: arrayOf({ type: "string" }),
      tool: {
        type: "object",
        properties: {
          messageID: { type: "string" },
          callID: { type: "string" },
        },
      },
      instance_id: { type: "string" },
      root_session_id: {
        type: "string",
        description:
          "The top-level session it belongs to (a subagent's request rolls up to the session that started the subagent)",
      },
    },
  },
  LogLine: {
    type: "object",
    required: ["stream", "line", "time"],
    properties: {
      stream: { type: "string", enum: ["stdout", "stderr"] },
      line: { type: "string" },
      time: TIMESTAMP,
    },
  },
  Directories: {
    type: "object",
    required: ["path", "parent", "directories"],
    properties: {
      path: { type: "string", description: "The listed directory (real path)" },
      parent: {
        type: ["string", "null"],
        description: "Its parent, or null at / or at an allowed root",
      },
      directories: arrayOf({
        type: "object",
        required: ["name", "path", "git"],
        properties: {
          name: { type: "string" },
          path: { type: "string" },
          git: {
            type: "boolean",
            description: "Holds a `.git` directory or file (a repository)",
          },
        },
      }),
    },
  },
  Event: {
    type: "object",
    description:
      "The `data:` of an SSE event: an OpenCode event with `instance_id` added (and `root_session_id` on a subagent's child session's events), Flock's `instance.status` / `instance.removed` / `instance.sessions` / `instance.pending` / `instance.recovered` / `marks.updated` / `queue.updated`, a run's `run.updated` / `step.updated` / `story.updated` / `attempt.updated` / `run.notice`, or `stream.reset` / `stream.lagged`. The SSE `event:` field repeats `type`, and `id:` is Flock's event id (use it as Last-Event-ID).",
    required: ["type", "properties"],
    properties: {
      type: { type: "string" },
      instance_id: { type: "string" },
      root_session_id: { type: "string" },
      properties: { type: "object" },
    },
  },
};
