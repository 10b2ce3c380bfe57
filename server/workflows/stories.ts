/**
 * `STORIES_JSON`: the list of stories a planning step hands to a loop step.
 *
 * A JSON list of at most {@linkcode MAX_STORIES} items, each
 * `{ id, title, description, acceptanceCriteria[] }` (`acceptance_criteria`
 * is accepted too, as antfarm does; other fields are kept out). Every problem
 * is reported, each naming the item and field.
 *
 * @module
 */

/** The most stories one run may have from STORIES_JSON (antfarm's limit). */
export const MAX_STORIES = 20;

/** One story as the planner wrote it. */
export interface StoryInput {
  id: string;
  title: string;
  description: string;
  acceptanceCriteria: string[];
}

/** The outcome of {@linkcode parseStories}. */
export type StoriesResult =
  | { ok: true; stories: StoryInput[] }
  | { ok: false; errors: string[] };

const MAX_ID_LENGTH = 100;

/**
 * Parses and validates a `STORIES_JSON` value.
 *
 * @example
 * ```ts
 * parseStories('[{"id":"S-1","title":"T","description":"D","acceptanceCriteria":["ok"]}]');
 * // { ok: true, stories: [{ id: "S-1", title: "T", description: "D", acceptanceCriteria: ["ok"] }] }
 * parseStories("[{}]").ok; // false
 * ```
 */
export function parseStories(text: string): StoriesResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, errors: [`STORIES_JSON is not valid JSON: ${detail}`] };
  }
  if (!Array.isArray(value)) {
    return {
      ok: false,
      errors: [`STORIES_JSON must be a list, got ${jsonType(value)}`],
    };
  }
  if (value.length > MAX_STORIES) {
    return {
      ok: false,
      errors: [
        `STORIES_JSON has ${value.length} stories; the limit is ${MAX_STORIES}`,
      ],
    };
  }
  const errors: string[] = [];
  const stories: StoryInput[] = [];
  const seen = new Map<string, number>();
  value.forEach((item: unknown, index) => {
    const at = `STORIES_JSON[${index}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      errors.push(`${at}: expected an object, got ${jsonType(item)}`);
      return;
    }
    const fields: Record<string, unknown> = { ...item };
    const before = errors.length;
    const rawId = typeof fields.id === "number" && Number.isInteger(fields.id)
      ? String(fields.id)
      : fields.id;
    const id = typeof rawId === "string" ? rawId.trim() : "";
    if (id === "") {
      errors.push(`${at}.id: expected a non-empty string`);
    } else if (id.length > MAX_ID_LENGTH) {
      errors.push(`${at}.id: longer than ${MAX_ID_LENGTH} characters`);
    } else if (seen.has(id)) {
      errors.push(
        `${at}.id: duplicate id "${id}" (also STORIES_JSON[${seen.get(id)}])`,
      );
    } else {
      seen.set(id, index);
    }
    const title = nonEmpty(fields.title);
    if (title === null) errors.push(`${at}.title: expected a non-empty string`);
    const description = nonEmpty(fields.description);
    if (description === null) {
      errors.push(`${at}.description: expected a non-empty string`);
    }
    const criteriaKey =
      "acceptance_criteria" in fields && !("acceptanceCriteria" in fields)
        ? "acceptance_criteria"
        : "acceptanceCriteria";
    const raw = fields[criteriaKey];
    const criteria = Array.isArray(raw) ? raw.map(nonEmpty) : [];
    if (criteria.length === 0 || criteria.some((c) => c === null)) {
      errors.push(
        `${at}.${criteriaKey}: expected a non-empty list of non-empty strings`,
      );
    }
    if (errors.length > before || title === null || description === null) {
      return;
    }
    stories.push({
      id,
      title,
      description,
      acceptanceCriteria: criteria.flatMap((c) => c === null ? [] : [c]),
    });
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, stories };
}

/** The trimmed string, or null when it is not a non-empty string. */
function nonEmpty(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
