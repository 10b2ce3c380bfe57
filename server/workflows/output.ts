/**
 * An agent's final reply → its `KEY: value` outputs, and the verdict on it.
 *
 * A line matching `^[A-Z_]+:` starts a key; the lines after it, up to the
 * next key, belong to its value (trimmed). Keys are lower-cased. A later
 * occurrence of a key replaces an earlier one. Markdown fence lines
 * (```` ``` ````, ```` ```json ````) are dropped, since models often wrap the
 * block in one. Text before the first key is not an output.
 *
 * @module
 */
import { parseStories, type StoriesResult } from "./stories.ts";

const KEY_LINE = /^([A-Z_]+):[ \t]*(.*)$/;
const FENCE_LINE = /^\s*```[A-Za-z0-9_-]*\s*$/;

/** A parsed reply. */
export interface ParsedOutput {
  /** Lower-cased keys → trimmed values, `stories_json` excluded. */
  values: Record<string, string>;
  /** `STATUS:`'s first word, lower-cased (`done`, `retry`, `fail` …), or null. */
  status: string | null;
  /** The raw `STORIES_JSON:` value, or null when the reply has none. */
  storiesJson: string | null;
}

/**
 * Parses `KEY: value` lines.
 *
 * @example
 * ```ts
 * parseOutput("STATUS: done\nREPO: /r\nISSUES:\n- a\n- b").values;
 * // { status: "done", repo: "/r", issues: "- a\n- b" }
 * ```
 */
export function parseOutput(reply: string): ParsedOutput {
  const values: Record<string, string> = {};
  let storiesJson: string | null = null;
  let key: string | null = null;
  let lines: string[] = [];
  const commit = () => {
    if (key === null) return;
    const value = lines.join("\n").trim();
    if (key === "STORIES_JSON") storiesJson = value;
    else if (key !== "__PROTO__") values[key.toLowerCase()] = value;
  };
  for (const line of reply.replace(/\r\n?/g, "\n").split("\n")) {
    const match = KEY_LINE.exec(line);
    if (match) {
      commit();
      key = match[1]!;
      lines = [match[2]!];
    } else if (key !== null && !FENCE_LINE.test(line)) {
      lines.push(line);
    }
  }
  commit();
  const status = values.status?.toLowerCase().match(/^[a-z_]+/)?.[0] ?? null;
  return { values, status, storiesJson };
}

/** Whether a reply meets `expects`, and why not. */
export type ExpectsResult = { ok: true } | { ok: false; reason: string };

/**
 * Checks `expects`. A `KEY: value` expectation compares the parsed key's
 * first word, case-insensitively (`STATUS: done` matches `STATUS: Done.`);
 * anything else must appear in the reply as written.
 *
 * @example
 * ```ts
 * checkExpects("STATUS: done", parseOutput("STATUS: retry"), "STATUS: retry");
 * // { ok: false, reason: 'expected "STATUS: done", got "STATUS: retry"' }
 * ```
 */
export function checkExpects(
  expects: string,
  parsed: ParsedOutput,
  reply: string,
): ExpectsResult {
  const match = KEY_LINE.exec(expects.trim());
  if (match === null) {
    return reply.includes(expects)
      ? { ok: true }
      : { ok: false, reason: `the reply does not contain "${expects}"` };
  }
  const key = match[1]!;
  const wanted = match[2]!.trim().toLowerCase();
  const got = parsed.values[key.toLowerCase()];
  if (got === undefined) {
    return {
      ok: false,
      reason: `expected "${expects.trim()}", but the reply has no ${key} line`,
    };
  }
  const normal = got.toLowerCase();
  const firstWord = normal.match(/^[^\s.,;!]+/)?.[0] ?? "";
  if (normal === wanted || firstWord === wanted) return { ok: true };
  return {
    ok: false,
    reason: `expected "${expects.trim()}", got "${key}: ${
      truncate(got.split("\n")[0]!, 80)
    }"`,
  };
}

/** The verdict on one attempt's reply. */
export type Verdict =
  /** The reply meets `expects` (and its STORIES_JSON, if any, is valid). */
  | { kind: "passed"; parsed: ParsedOutput; stories: StoriesResult | null }
  /** `STATUS: retry`: the agent asks for the work to be redone, with feedback. */
  | { kind: "retry"; parsed: ParsedOutput; feedback: string }
  /** Anything else: the attempt failed, and `reason` says why. */
  | { kind: "failed"; parsed: ParsedOutput; reason: string };

/** Keys that carry a retry's feedback, in order of preference. */
export const FEEDBACK_KEYS = ["issues", "failures", "feedback"] as const;

/**
 * Judges a reply: `STATUS: retry` → retry (feedback from `ISSUES:`,
 * `FAILURES:` or `FEEDBACK:`, else the whole reply); `expects` met → passed,
 * unless `STORIES_JSON` is present and invalid; else failed.
 *
 * @param readStories Whether this step's `STORIES_JSON` defines stories.
 */
export function judgeReply(
  reply: string,
  expects: string,
  readStories: boolean,
): Verdict {
  const parsed = parseOutput(reply);
  if (reply.trim() === "") {
    return { kind: "failed", parsed, reason: "the reply is empty" };
  }
  if (parsed.status === "retry") {
    const key = FEEDBACK_KEYS.find((name) => parsed.values[name]);
    const feedback = key ? parsed.values[key]! : reply.trim();
    return { kind: "retry", parsed, feedback };
  }
  const expected = checkExpects(expects, parsed, reply);
  if (!expected.ok) return { kind: "failed", parsed, reason: expected.reason };
  if (!readStories || parsed.storiesJson === null) {
    return { kind: "passed", parsed, stories: null };
  }
  const stories = parseStories(parsed.storiesJson);
  if (!stories.ok) {
    return { kind: "failed", parsed, reason: stories.errors.join("; ") };
  }
  return { kind: "passed", parsed, stories };
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
