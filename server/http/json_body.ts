/**
 * Reads and validates JSON request bodies: content-type, size limit, syntax,
 * field types and unknown fields, each a JSON 4xx.
 *
 * @module
 */
import {
  BadRequestError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from "./errors.ts";

/** The default body limit: 1 MiB. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads the body as JSON, enforcing `application/json` and a size limit
 * while streaming (a huge body is never buffered whole).
 *
 * @param allowEmpty When true, an empty body (no content-type needed) reads as `{}`.
 */
export async function readJson(
  req: Request,
  { maxBytes = MAX_BODY_BYTES, allowEmpty = false } = {},
): Promise<unknown> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    await req.body?.cancel().catch(() => {});
    throw new PayloadTooLargeError(maxBytes);
  }
  const bytes = await readLimited(req, maxBytes);
  if (bytes.length === 0 && allowEmpty) return {};
  const type = req.headers.get("content-type");
  if (!type || !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type.trim())) {
    throw new UnsupportedMediaTypeError(type);
  }
  if (bytes.length === 0) {
    throw new BadRequestError("Cannot parse the body: it is empty", "bad_json");
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new BadRequestError(
      "Cannot parse the body: it is not valid UTF-8",
      "bad_json",
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(
      `Cannot parse the body as JSON: ${
        error instanceof Error ? error.message : String(error)
      }`,
      "bad_json",
    );
  }
}

async function readLimited(
  req: Request,
  maxBytes: number,
): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (true) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        // The client sent less than it declared and closed, or reset.
        throw new BadRequestError(
          "Cannot read the body: the connection ended before the body was complete",
          "body_incomplete",
          { cause: error },
        );
      }
      const { done, value } = chunk;
      if (done) break;
      size += value.length;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        throw new PayloadTooLargeError(maxBytes);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** One field of a {@linkcode Schema}. */
export type FieldSpec =
  | {
    type: "string";
    optional?: boolean;
    maxLength?: number;
    minLength?: number;
    enum?: readonly string[];
  }
  | { type: "boolean"; optional?: boolean }
  | {
    type: "number";
    optional?: boolean;
    integer?: boolean;
    min?: number;
    max?: number;
  }
  | { type: "object"; optional?: boolean };

/** The fields an object body may have. Unknown fields are rejected. */
export type Schema = Record<string, FieldSpec>;

type FieldValue<F extends FieldSpec> = F extends { type: "string" } ? string
  : F extends { type: "boolean" } ? boolean
  : F extends { type: "number" } ? number
  : Record<string, unknown>;

/** The validated value of a schema. */
export type Validated<S extends Schema> =
  & {
    [K in keyof S as S[K]["optional"] extends true ? never : K]: FieldValue<
      S[K]
    >;
  }
  & {
    [K in keyof S as S[K]["optional"] extends true ? K : never]?: FieldValue<
      S[K]
    >;
  };

/**
 * Checks that `value` is a plain object with exactly the schema's fields,
 * each of the right type.
 *
 * @throws {BadRequestError} naming the first offending field.
 */
export function validate<S extends Schema>(
  value: unknown,
  schema: S,
): Validated<S> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BadRequestError(
      `Cannot use the body: expected a JSON object, got ${describe(value)}`,
      "invalid_body",
    );
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!Object.hasOwn(schema, key)) {
      throw new BadRequestError(
        `Cannot use the body: unknown field "${
          truncate(key)
        }"; allowed fields are ${Object.keys(schema).join(", ") || "none"}`,
        "unknown_field",
      );
    }
  }
  for (const [key, spec] of Object.entries(schema)) {
    const v = record[key];
    if (v === undefined || v === null) {
      if (spec.optional) continue;
      throw new BadRequestError(
        `Cannot use the body: field "${key}" is required`,
        "missing_field",
      );
    }
    checkField(key, v, spec);
  }
  return record as Validated<S>;
}

function checkField(key: string, v: unknown, spec: FieldSpec): void {
  const wrong = () =>
    new BadRequestError(
      `Cannot use field "${key}": expected ${spec.type}, got ${describe(v)}`,
      "invalid_field",
    );
  switch (spec.type) {
    case "string": {
      if (typeof v !== "string") throw wrong();
      if (spec.minLength !== undefined && v.length < spec.minLength) {
        throw new BadRequestError(
          `Cannot use field "${key}": it must have at least ${spec.minLength} character(s)`,
          "invalid_field",
        );
      }
      if (spec.maxLength !== undefined && v.length > spec.maxLength) {
        throw new BadRequestError(
          `Cannot use field "${key}": it is longer than ${spec.maxLength} characters`,
          "invalid_field",
        );
      }
      if (spec.enum && !spec.enum.includes(v)) {
        throw new BadRequestError(
          `Cannot use field "${key}": expected one of ${
            spec.enum.join(", ")
          }, got "${truncate(v)}"`,
          "invalid_field",
        );
      }
      return;
    }
    case "boolean":
      if (typeof v !== "boolean") throw wrong();
      return;
    case "number":
      if (typeof v !== "number" || !Number.isFinite(v)) throw wrong();
      if (spec.integer && !Number.isInteger(v)) throw wrong();
      if (
        (spec.min !== undefined && v < spec.min) ||
        (spec.max !== undefined && v > spec.max)
      ) {
        throw new BadRequestError(
          `Cannot use field "${key}": ${v} is out of range`,
          "invalid_field",
        );
      }
      return;
    case "object":
      if (typeof v !== "object" || v === null || Array.isArray(v)) {
        throw wrong();
      }
      return;
  }
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v;
}

function truncate(s: string, n = 60): string {
  return s.length > n ? s.slice(0, n) + "…" : s;
}
