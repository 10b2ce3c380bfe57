/**
 * Reads typed fields out of parsed YAML while tracking each field's path, and
 * collects every problem instead of stopping at the first one.
 *
 * @module
 */
import type { SpecIssue } from "./spec_types.ts";

/** A path into the document: keys and list indexes. */
export type FieldPath = readonly (string | number)[];

/** Finds the 1-based line and column of a path in the source, when known. */
export type Locate = (
  path: FieldPath,
) => { line: number; column: number } | undefined;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Formats a path the way messages show it.
 *
 * @example
 * ```ts
 * formatPath(["steps", 3, "loop", "verify_step"]); // "steps[3].loop.verify_step"
 * formatPath(["agents", 0, "workspace", "files", "AGENTS.md"]); // 'agents[0].workspace.files["AGENTS.md"]'
 * ```
 */
export function formatPath(path: FieldPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (IDENTIFIER.test(part)) out += out === "" ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** Describes a value's YAML type for "expected X, got Y" messages. */
export function describeType(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Uint8Array) return "binary data";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return Number.isInteger(value) ? "an integer" : "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "a mapping";
    default:
      return typeof value;
  }
}

/** A known key the word is a prefix of, or the closest within edit distance 2 (and under half its length), for "did you mean" hints. */
export function closest(
  word: string,
  candidates: Iterable<string>,
): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of candidates) {
    if (word.length >= 3 && candidate.startsWith(word)) return candidate;
    const distance = editDistance(word, candidate);
    if (distance < bestDistance && distance < word.length / 2) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(
        row[j]! + 1,
        row[j - 1]! + 1,
        previous + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      previous = current;
    }
  }
  return row[b.length]!;
}

/** Options for reading a string field. */
export interface StringOptions {
  /** Missing is an error (otherwise it yields `null`). */
  required?: boolean;
  /** The value must match (and the hint explains the rule). */
  pattern?: { regex: RegExp; hint: string };
}

/** Collects errors and warnings with their paths and positions. */
export class SpecReader {
  readonly errors: SpecIssue[] = [];
  readonly warnings: SpecIssue[] = [];
  readonly #locate: Locate;

  constructor(locate: Locate = () => undefined) {
    this.#locate = locate;
  }

  /** Records an error at `path`. */
  error(path: FieldPath, message: string): void {
    this.errors.push(this.#issue(path, message));
  }

  /** Records a warning at `path`. */
  warn(path: FieldPath, message: string): void {
    this.warnings.push(this.#issue(path, message));
  }

  #issue(path: FieldPath, message: string): SpecIssue {
    const issue: SpecIssue = { path: formatPath(path), message };
    const position = this.#locate(path);
    if (position) {
      issue.line = position.line;
      issue.column = position.column;
    }
    return issue;
  }

  /** The value as a mapping, or `null` (with an error) when it is not one. */
  mapping(value: unknown, path: FieldPath): Record<string, unknown> | null {
    if (isMapping(value)) return value;
    this.error(path, `expected a mapping, got ${describeType(value)}`);
    return null;
  }

  /**
   * Checks a mapping's keys: `known` keys pass, `ignored` keys (key → why)
   * raise a warning, any other key is an error with a "did you mean" hint.
   */
  keys(
    value: Record<string, unknown>,
    path: FieldPath,
    known: readonly string[],
    ignored: Readonly<Record<string, string>> = {},
  ): void {
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const why = ignored[key];
      if (why !== undefined) {
        this.warn([...path, key], why);
        continue;
      }
      const hint = closest(key, [...known, ...Object.keys(ignored)]);
      this.error(
        [...path, key],
        `unknown key${hint ? `; did you mean "${hint}"?` : ""}`,
      );
    }
  }

  /** A string field; `null` when absent (an error when required) or invalid. */
  string(
    parent: Record<string, unknown>,
    key: string,
    path: FieldPath,
    options: StringOptions = {},
  ): string | null {
    const value = parent[key];
    const at = [...path, key];
    if (value === undefined || value === null) {
      if (options.required) this.error(at, "missing");
      return null;
    }
    if (typeof value !== "string") {
      this.error(at, `expected a string, got ${describeType(value)}`);
      return null;
    }
    if (options.required && value.trim() === "") {
      this.error(at, "must not be empty");
      return null;
    }
    if (options.pattern && !options.pattern.regex.test(value)) {
      this.error(at, `${JSON.stringify(value)} ${options.pattern.hint}`);
      return null;
    }
    return value;
  }

  /** An integer field within `[min, max]`; `fallback` when absent. */
  integer(
    parent: Record<string, unknown>,
    key: string,
    path: FieldPath,
    range: { min: number; max: number },
    fallback: number | null,
  ): number | null {
    const value = parent[key];
    const at = [...path, key];
    if (value === undefined || value === null) {
      if (fallback === null) this.error(at, "missing");
      return fallback;
    }
    if (typeof value !== "number" || !Number.isInteger(value)) {
      this.error(at, `expected an integer, got ${describeType(value)}`);
      return fallback;
    }
    if (value < range.min || value > range.max) {
      this.error(
        at,
        `${value} is out of range; expected ${range.min} to ${range.max}`,
      );
      return fallback;
    }
    return value;
  }

  /** A boolean field; `fallback` when absent. */
  boolean(
    parent: Record<string, unknown>,
    key: string,
    path: FieldPath,
    fallback: boolean,
  ): boolean {
    const value = parent[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "boolean") {
      this.error(
        [...path, key],
        `expected true or false, got ${describeType(value)}`,
      );
      return fallback;
    }
    return value;
  }

  /** One of a fixed set of strings; `fallback` when absent. */
  choice<T extends string>(
    parent: Record<string, unknown>,
    key: string,
    path: FieldPath,
    choices: readonly T[],
    fallback: T | null,
  ): T | null {
    const value = parent[key];
    const at = [...path, key];
    if (value === undefined || value === null) {
      if (fallback === null) {
        this.error(at, `missing; expected one of ${choices.join(", ")}`);
      }
      return fallback;
    }
    const found = choices.find((choice) => choice === value);
    if (found === undefined) {
      const shown = typeof value === "string"
        ? JSON.stringify(value)
        : describeType(value);
      this.error(at, `${shown} is not one of ${choices.join(", ")}`);
      return null;
    }
    return found;
  }

  /** A list field; `null` when absent (an error when required) or not a list. */
  list(
    parent: Record<string, unknown>,
    key: string,
    path: FieldPath,
    required: boolean,
  ): unknown[] | null {
    const value = parent[key];
    const at = [...path, key];
    if (value === undefined || value === null) {
      if (required) this.error(at, "missing");
      return null;
    }
    if (!Array.isArray(value)) {
      this.error(at, `expected a list, got ${describeType(value)}`);
      return null;
    }
    return value;
  }
}

/** Whether a parsed YAML value is a mapping (a plain object). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null &&
    !Array.isArray(value) && !(value instanceof Uint8Array) &&
    !(value instanceof Map) && !(value instanceof Set);
}
