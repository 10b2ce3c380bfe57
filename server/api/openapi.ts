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
import { ref } from "./openapi_builders.ts";
import { RUN_SCHEMAS } from "./openapi_runs.ts";
import { WORKTREE_SCHEMAS } from "./openapi_worktrees.ts";
import { COMPONENT_SCHEMAS } from "./openapi_schemas.ts";

export { COMPONENT_SCHEMAS };
export { arrayOf, ref } from "./openapi_builders.ts";

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
      schemas: { ...COMPONENT_SCHEMAS, ...RUN_SCHEMAS, ...WORKTREE_SCHEMAS },
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
