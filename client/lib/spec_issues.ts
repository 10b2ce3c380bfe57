/**
 * Splits the server's refusal of a workflow spec into its problems, one
 * per line: `Cannot load workflow.yml as it is invalid: a; b (HTTP 400)`
 * → the summary and `["a", "b"]` (each names its field,
 * `steps[3].loop.verify_step: …`, or its place, `workflow.yml:3:5: …`).
 *
 * @module
 */

/** A refusal's summary and its listed problems (none when it lists none). */
export interface SpecIssues {
  summary: string;
  issues: string[];
}

const LISTED = /^(Cannot load .+? as it is invalid): (.+?)( \(HTTP \d+\))?$/s;

/**
 * @param message The error's text.
 * @returns Its summary and problems.
 */
export function specIssuesOf(message: string): SpecIssues {
  const match = LISTED.exec(message);
  if (!match) return { summary: message, issues: [] };
  return {
    summary: `${match[1]}${match[3] ?? ""}:`,
    issues: match[2]!.split("; ").filter((issue) => issue !== ""),
  };
}
