/**
 * Flock's own API description: every route carries a {@linkcode RouteDoc},
 * and {@linkcode buildOpenApi} turns the route table into an OpenAPI 3.1
 * document served at `GET /api/openapi.json`. Request body schemas are
 * derived from the same {@linkcode Schema} objects the handlers validate
 * with, so the document cannot drift from the checks.
 *
 * @module
 */
import type { FieldSpec, Schema } from "../http/json_body.ts";
import type { Route } from "../http/router.ts";

/** A JSON Schema (2020-12, as OpenAPI 3.1 uses it). */
export type JsonSchema = Record<string, unknown>;

/** One documented response. */
export interface ResponseDoc {
  description: string;
  /** A JSON body schema. */
  schema?: JsonSchema;
  /** The body is a `text/event-stream`. */
  sse?: boolean;
}

/** One query parameter. */
export interface QueryDoc {
  name: string;
  description: string;
  schema: JsonSchema;
  required?: boolean;
}

/** How a route is described in the OpenAPI document. */
export interface RouteDoc {
  /** The group the route belongs to (`instances`, `sessions`, …). */
  tag: string;
  description?: string;
  /** Path parameter name → description. */
  params?: Record<string, string>;
  query?: QueryDoc[];
  /** Request headers worth documenting (e.g. `Last-Event-ID`). */
  headers?: QueryDoc[];
  /** The JSON request body. */
  body?: { schema: JsonSchema; required?: boolean };
  /** Status → response. Error statuses default to the Error schema. */
  responses: Record<number, ResponseDoc | string>;
}

/** A route with its documentation. */
export interface ApiRoute extends Route {
  doc: RouteDoc;
}

/** A reference to a component schema. */
export function ref(name: string): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

/** An array of `items`. */
export function arrayOf(items: JsonSchema): JsonSchema {
  return { type: "array", items };
}

function fieldSchema(spec: FieldSpec, description?: string): JsonSchema {
  const out: JsonSchema = {};
  switch (spec.type) {
    case "string":
      out.type = "string";
      if (spec.minLength !== undefined) out.minLength = spec.minLength;
      if (spec.maxLength !== undefined) out.maxLength = spec.maxLength;
      if (spec.enum) out.enum = [...spec.enum];
      break;
    case "boolean":
      out.type = "boolean";
      break;
    case "number":
      out.type = spec.integer ? "integer" : "number";
      if (spec.min !== undefined) out.minimum = spec.min;
      if (spec.max !== undefined) out.maximum = spec.max;
      break;
    case "object":
      out.type = "object";
      break;
  }
  if (description) out.description = description;
  return out;
}

/**
 * The JSON Schema of a body validated with `validate(value, schema)`:
 * unknown fields are refused, so `additionalProperties` is false.
 *
 * @param descriptions Field name → description (or a schema to merge in).
 */
export function bodySchema(
  schema: Schema,
  descriptions: Record<string, string | JsonSchema> = {},
): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, spec] of Object.entries(schema)) {
    const extra = descriptions[name];
    properties[name] = typeof extra === "string" || extra === undefined
      ? fieldSchema(spec, extra)
      : { ...fieldSchema(spec), ...extra };
    if (!spec.optional) required.push(name);
  }
  return {
    type: "object",
    additionalProperties: false,
    required,
    properties,
  };
}

const TIMESTAMP: JsonSchema = {
  type: "string",
  format: "date-time",
  description: "ISO 8601, UTC",
};

/** The component schemas the routes refer to. */
export const COMPONENT_SCHEMAS: Record<string, JsonSchema> = {
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
    },
  },
  Message: {
    type: "object",
    description: "OpenCode's message with its parts, passed through unchanged",
    required: ["info", "parts"],
    properties: {
      info: { type: "object" },
      parts: arrayOf({ type: "object" }),
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
        required: ["name", "path"],
        properties: { name: { type: "string" }, path: { type: "string" } },
      }),
    },
  },
  Event: {
    type: "object",
    description:
      "The `data:` of an SSE event: an OpenCode event with `instance_id` added, Flock's `instance.status` / `instance.removed`, or `stream.reset` / `stream.lagged`. The SSE `event:` field repeats `type`, and `id:` is Flock's event id (use it as Last-Event-ID).",
    required: ["type", "properties"],
    properties: {
      type: { type: "string" },
      instance_id: { type: "string" },
      properties: { type: "object" },
    },
  },
};

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid request (bad field, bad JSON, bad path)",
  401: "Missing or wrong API token",
  403: "Refused (foreign origin, directory outside the allowed roots)",
  404: "Not found",
  409: "Conflicts with the current state (e.g. the instance is not running)",
  413: "Body larger than 1 MiB",
  415: "Body is not application/json",
  421: "The Host header is not one of Flock's names (DNS rebinding guard)",
  429: "Too many requests",
  502: "The OpenCode child could not be reached or answered badly",
};

function response(status: number, doc: ResponseDoc | string): JsonSchema {
  const d: ResponseDoc = typeof doc === "string" ? { description: doc } : doc;
  if (d.sse) {
    return {
      description: d.description,
      content: {
        "text/event-stream": {
          schema: { type: "string" },
          itemSchema: ref("Event"),
        },
      },
    };
  }
  const schema = d.schema ?? (status >= 400 ? ref("Error") : undefined);
  if (!schema) return { description: d.description };
  return {
    description: d.description,
    content: { "application/json": { schema } },
  };
}

/** Converts a URLPattern path (`/api/x/:id`) to an OpenAPI path (`/api/x/{id}`). */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}");
}

/** Options for {@linkcode buildOpenApi}. */
export interface OpenApiOptions {
  version: string;
  /** Whether the API needs a bearer token. */
  tokenRequired?: boolean;
}

/**
 * Builds the OpenAPI 3.1 document from the route table. Routes without a
 * {@linkcode RouteDoc} still appear, with their summary only.
 */
export function buildOpenApi(
  routes: readonly (Route & { doc?: RouteDoc })[],
  options: OpenApiOptions,
): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const op: JsonSchema = {
      summary: route.summary,
      operationId: operationId(route),
    };
    const doc = route.doc;
    const parameters: JsonSchema[] = [];
    for (const name of route.path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)) {
      const pname = name[1]!;
      parameters.push({
        name: pname,
        in: "path",
        required: true,
        description: doc?.params?.[pname] ?? pname,
        schema: { type: "string" },
      });
    }
    for (const q of doc?.query ?? []) {
      parameters.push({
        name: q.name,
        in: "query",
        required: q.required ?? false,
        description: q.description,
        schema: q.schema,
      });
    }
    for (const h of doc?.headers ?? []) {
      parameters.push({
        name: h.name,
        in: "header",
        required: h.required ?? false,
        description: h.description,
        schema: h.schema,
      });
    }
    if (parameters.length > 0) op.parameters = parameters;
    if (doc) {
      op.tags = [doc.tag];
      if (doc.description) op.description = doc.description;
      if (doc.body) {
        op.requestBody = {
          required: doc.body.required ?? true,
          content: { "application/json": { schema: doc.body.schema } },
        };
      }
    }
    const responses: Record<string, JsonSchema> = {};
    const docResponses = doc?.responses ?? { 200: "OK" };
    for (const [status, r] of Object.entries(docResponses)) {
      responses[status] = response(Number(status), r);
    }
    // Answers every route can give, added here rather than per route: the
    // JSON body checks for routes that take a body, and the security layer.
    const common = [
      ...(doc?.body ? [400, 413, 415] : []),
      ...(options.tokenRequired ? [401] : []),
      403,
      421,
    ];
    for (const status of common) {
      responses[String(status)] ??= response(
        status,
        ERROR_DESCRIPTIONS[status]!,
      );
    }
    op.responses = responses;
    (paths[path] ??= {})[route.method.toLowerCase()] = op;
  }
  const document: JsonSchema = {
    openapi: "3.1.0",
    info: {
      title: "Flock API",
      version: options.version,
      description:
        "Flock runs several OpenCode agents, one per project directory. Errors are JSON `{ error: { code, message } }`. Event streams are Server-Sent Events with `id:`, `event:` and JSON `data:`; reconnect with `Last-Event-ID` (or `?last_event_id=`) to resume.",
    },
    paths,
    components: {
      schemas: COMPONENT_SCHEMAS,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer" },
      },
    },
  };
  if (options.tokenRequired) document.security = [{ bearer: [] }];
  return document;
}

/** A standard error response description for `status`. */
export function errorDoc(status: number, description?: string): ResponseDoc {
  return { description: description ?? ERROR_DESCRIPTIONS[status] ?? "Error" };
}

function operationId(route: Route): string {
  const words = route.path.split("/").filter((s) => s !== "" && s !== "api")
    .map((s) => s.startsWith(":") ? "by_" + s.slice(1) : s);
  return [route.method.toLowerCase(), ...words].join("_").replace(
    /[^A-Za-z0-9_]/g,
    "_",
  );
}
