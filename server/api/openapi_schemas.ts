/**
 * The component schemas of Flock's OpenAPI document (`openapi.ts`): the
 * shapes its routes answer with, referred to by name (`ref("Session")`).
 *
 * @module
 */
import { INSTANCE_KINDS, INSTANCE_STATUSES } from "../contract/instances.ts";
import type { JsonSchema } from "./openapi.ts";
import {
  arrayOf,
  COUNT,
  object,
  ref,
  stringEnum,
  TIMESTAMP,
  TOOL_CALL,
} from "./openapi_builders.ts";
import { DRIVING_SCHEMAS, TOKENS } from "./openapi_driving_schemas.ts";
import { SESSION_WORKTREE_PROPERTIES } from "./openapi_worktrees.ts";

/** The component schemas the routes refer to. */
export const COMPONENT_SCHEMAS: Record<string, JsonSchema> = {
  ...DRIVING_SCHEMAS,
  Error: object({
    error: object({
      code: { type: "string", description: "Stable machine-readable code" },
      message: {
        type: "string",
        description: "What went wrong, for people",
      },
    }, {
      optional: {
        files: {
          type: "array",
          items: { type: "string" },
          description:
            "The files it is about (merge conflicts, uncommitted changes), when any",
        },
        worktrees: {
          ...arrayOf(ref("WorktreeWork")),
          description:
            "The worktrees with work to lose (`worktrees_have_work`, deleting an instance)",
        },
      },
    }),
  }),
  Health: object({
    ok: { const: true },
    version: { type: "string" },
    uptime_s: COUNT,
  }),
  Instance: object({
    id: { type: "string", pattern: "^inst_" },
    name: { type: "string" },
    kind: stringEnum(INSTANCE_KINDS),
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
      ...stringEnum(INSTANCE_STATUSES),
      description:
        "`hibernated`: its child was stopped after `idle_timeout_s` without activity; the next request that needs it wakes it (`starting` with `hibernated_at` set means waking)",
    },
    pid: { type: ["integer", "null"] },
    port: { type: ["integer", "null"] },
    restart_count: COUNT,
    exit_code: { type: ["integer", "null"] },
    last_error: { type: ["string", "null"] },
    idle_timeout_s: {
      ...COUNT,
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
      ...object({
        at: TIMESTAMP,
        rss_bytes: { type: "integer" },
        limit_bytes: { type: "integer" },
      }, { description: "The last restart over --max-instance-memory" }),
      type: ["object", "null"],
    },
    created_at: TIMESTAMP,
    updated_at: TIMESTAMP,
  }, {
    description:
      "One OpenCode server: a local `opencode serve` child Flock runs, or a remote one it attached. Never includes a password.",
  }),
  Session: object({
    id: { type: "string", description: "OpenCode's `ses_…` id" },
    instance_id: { type: "string" },
    title: { type: "string" },
    status: { type: "string", enum: ["idle", "busy", "retry", "error"] },
    created_at: TIMESTAMP,
    updated_at: TIMESTAMP,
  }, {
    optional: {
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
  }),
  Message: object({
    info: { type: "object" },
    parts: arrayOf({ type: "object" }),
  }, {
    description:
      "OpenCode's message with its parts, passed through unchanged (an assistant `info` has the reply's `modelID`, `providerID`, `agent`, `tokens`, `cost` and `time.created`/`time.completed`), plus Flock's `marks` on it when there are some",
    optional: { marks: arrayOf(ref("Mark")) },
  }),
  Permission: object({
    id: { type: "string", description: "OpenCode's `per_…` id" },
    sessionID: { type: "string" },
    permission: { type: "string", description: "e.g. `bash`" },
    patterns: arrayOf({ type: "string" }),
    metadata: { type: "object" },
    always: arrayOf({ type: "string" }),
    instance_id: { type: "string" },
  }, {
    description:
      "A pending OpenCode permission request, tagged with its instance",
    optional: {
      tool: TOOL_CALL,
      root_session_id: {
        type: "string",
        description:
          "The top-level session it belongs to (a subagent's request rolls up to the session that started the subagent)",
      },
    },
  }),
  LogLine: object({
    stream: { type: "string", enum: ["stdout", "stderr"] },
    line: { type: "string" },
    time: TIMESTAMP,
  }),
  Directories: object({
    path: { type: "string", description: "The listed directory (real path)" },
    parent: {
      type: ["string", "null"],
      description: "Its parent, or null at / or at an allowed root",
    },
    directories: arrayOf(object({
      name: { type: "string" },
      path: { type: "string" },
      git: {
        type: "boolean",
        description: "Holds a `.git` directory or file (a repository)",
      },
    })),
  }),
  Event: object({
    type: { type: "string" },
    properties: { type: "object" },
  }, {
    description:
      "The `data:` of an SSE event: an OpenCode event with `instance_id` added (and `root_session_id` on a subagent's child session's events), Flock's `instance.status` / `instance.removed` / `instance.sessions` / `instance.pending` / `instance.recovered` / `marks.updated` / `queue.updated`, a run's `run.updated` / `step.updated` / `story.updated` / `attempt.updated` / `run.notice`, or `stream.reset` / `stream.lagged`. The SSE `event:` field repeats `type`, and `id:` is Flock's event id (use it as Last-Event-ID).",
    optional: {
      instance_id: { type: "string" },
      root_session_id: { type: "string" },
    },
  }),
};
