/**
 * Small builders of the JSON Schemas in Flock's OpenAPI document, shared by
 * `openapi.ts` and the component schema modules (`openapi_schemas.ts`,
 * `openapi_driving_schemas.ts`, `openapi_runs.ts`, `openapi_worktrees.ts`).
 *
 * @module
 */
import type { JsonSchema } from "./openapi.ts";

/** A reference to a component schema. */
export function ref(name: string): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

/** An array of `items`. */
export function arrayOf(items: JsonSchema): JsonSchema {
  return { type: "array", items };
}

/** What {@linkcode object} adds to the required properties. */
export interface ObjectOptions {
  description?: string;
  /** Properties that may be absent, listed after the required ones. */
  optional?: Record<string, JsonSchema>;
}

/**
 * An object schema: every property of `required` is required, those of
 * `options.optional` are not (`required` is left out when nothing is).
 */
export function object(
  required: Record<string, JsonSchema>,
  options: ObjectOptions = {},
): JsonSchema {
  const names = Object.keys(required);
  return {
    type: "object",
    ...(options.description === undefined
      ? {}
      : { description: options.description }),
    ...(names.length === 0 ? {} : { required: names }),
    properties: { ...required, ...options.optional },
  };
}

/** A string with one of `values`. */
export function stringEnum(values: readonly string[]): JsonSchema {
  return { type: "string", enum: [...values] };
}

/** An ISO timestamp. */
export const TIMESTAMP: JsonSchema = {
  type: "string",
  format: "date-time",
  description: "ISO 8601, UTC",
};

/** A string or null. */
export const NULLABLE_STRING: JsonSchema = { type: ["string", "null"] };

/** A count: an integer from 0. */
export const COUNT: JsonSchema = { type: "integer", minimum: 0 };

/** The tool call an OpenCode permission or question comes from. */
export const TOOL_CALL: JsonSchema = object({}, {
  optional: { messageID: { type: "string" }, callID: { type: "string" } },
});
