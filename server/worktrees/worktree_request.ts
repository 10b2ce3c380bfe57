/**
 * The `worktree` field of `POST /api/instances/{id}/sessions` (pure):
 * `true` (a new branch named by Flock, from the repository's HEAD) or
 * `{ branch, base? }`; `false`/absent means no worktree.
 *
 * @module
 */
import { BadRequestError } from "../http/errors.ts";

/** What a session's worktree is made from. */
export interface WorktreeRequest {
  /** The new branch; undefined lets Flock name it (`flock/<title>-<hex>`). */
  branch?: string;
  /** What to branch from; undefined means the repository's HEAD. */
  base?: string;
}

const MAX_REF_LENGTH = 250;

function refField(
  record: Record<string, unknown>,
  key: "branch" | "base",
): string | undefined {
  const value = record[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.trim() === "") {
    throw new BadRequestError(
      `Cannot use field "worktree.${key}": expected a non-empty string`,
      "invalid_field",
    );
  }
  if (value.length > MAX_REF_LENGTH) {
    throw new BadRequestError(
      `Cannot use field "worktree.${key}": it must have at most ${MAX_REF_LENGTH} characters`,
      "invalid_field",
    );
  }
  return value;
}

/**
 * Reads the `worktree` field.
 *
 * @returns null when no worktree is asked for.
 * @throws {BadRequestError} naming the field when it has the wrong shape.
 * @example
 * ```ts
 * parseWorktreeRequest(true); // {}
 * parseWorktreeRequest({ branch: "fix-1", base: "main" }); // { branch: "fix-1", base: "main" }
 * parseWorktreeRequest(undefined); // null
 * ```
 */
export function parseWorktreeRequest(value: unknown): WorktreeRequest | null {
  if (value === undefined || value === null || value === false) return null;
  if (value === true) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new BadRequestError(
      'Cannot use field "worktree": expected true or { "branch": "name", "base"?: "ref" }',
      "invalid_field",
    );
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== "branch" && key !== "base") {
      throw new BadRequestError(
        `Cannot use field "worktree": unknown field "${
          key.slice(0, 40)
        }"; allowed fields are branch, base`,
        "unknown_field",
      );
    }
  }
  const branch = refField(record, "branch");
  if (branch === undefined) {
    throw new BadRequestError(
      'Cannot use field "worktree": "branch" is required in the object form (or send true)',
      "missing_field",
    );
  }
  const base = refField(record, "base");
  return base === undefined ? { branch } : { branch, base };
}

/**
 * A branch name Flock picks: `flock/<words of the title>-<6 hex>`, or
 * `flock/session-<6 hex>` without a usable title (pure).
 *
 * @example
 * ```ts
 * defaultBranchName("Fix the login bug!", "a1b2c3"); // "flock/fix-the-login-bug-a1b2c3"
 * ```
 */
export function defaultBranchName(
  title: string | undefined,
  suffix: string,
): string {
  const words = (title ?? "").toLowerCase().normalize("NFKD").replace(
    /\p{M}/gu,
    "",
  )
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40)
    .replace(/-+$/, "");
  return `flock/${words === "" ? "session" : words}-${suffix}`;
}
