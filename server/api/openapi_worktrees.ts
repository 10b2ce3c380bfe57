/**
 * The OpenAPI component schemas of a session's or a run's changes and
 * worktree (`server/contract/worktrees.ts`), merged into the document's
 * components by `openapi.ts`.
 *
 * @module
 */
import type { JsonSchema } from "./openapi.ts";
import { arrayOf, COUNT, object, ref } from "./openapi_builders.ts";

const FILE_STATUSES = [
  "added",
  "deleted",
  "modified",
  "renamed",
  "copied",
  "type-changed",
  "unmerged",
  "unknown",
];

const DIFF_FIELDS: Record<string, JsonSchema> = {
  scope: { type: "string", enum: ["working", "branch"] },
  directory: { type: "string" },
  base: {
    type: ["string", "null"],
    description: "For `branch`: what the branch is compared with",
  },
  files: arrayOf(ref("DiffFile")),
};

const MERGE_FIELDS: Record<string, JsonSchema> = {
  kind: {
    type: "string",
    enum: ["up-to-date", "fast-forward", "merge-commit"],
  },
  branch: { type: "string" },
  base: { type: "string" },
  previous: { type: "string", description: "The base's commit before" },
  commit: { type: "string", description: "The base's commit after" },
  updated_checkout: {
    type: ["string", "null"],
    description: "The checkout of the base whose files moved along",
  },
};

/** The `worktree` field of `POST /api/instances/{id}/sessions`. */
export const WORKTREE_FIELD_SCHEMA: JsonSchema = {
  description:
    'Run the session in a git worktree of its own: `true` (a new branch named `flock/<title>-<hex>`, from the repository\'s HEAD) or `{ "branch": "name", "base"?: "ref" }`. The worktree goes under Flock\'s data directory and is removed with the last session that runs in it (its forks run there too), or with the instance. 400 when the instance\'s directory is not in a git repository, git refuses the branch name, or the base names no commit; 409 when the branch exists.',
  oneOf: [
    { type: "boolean" },
    {
      type: "object",
      additionalProperties: false,
      required: ["branch"],
      properties: {
        branch: { type: "string", minLength: 1, maxLength: 250 },
        base: { type: "string", minLength: 1, maxLength: 250 },
      },
    },
  ],
};

/** Extra properties of the `Session` schema. */
export const SESSION_WORKTREE_PROPERTIES: Record<string, JsonSchema> = {
  directory: {
    type: "string",
    description:
      "The directory OpenCode runs the session in (a worktree's for a worktree session)",
  },
  branch: {
    type: ["string", "null"],
    description: "The worktree's branch; null without a worktree",
  },
  base: {
    type: ["string", "null"],
    description: "What the branch merges into; null without a worktree",
  },
};

/** The component schemas of changes, merges and commits. */
export const WORKTREE_SCHEMAS: Record<string, JsonSchema> = {
  DiffFile: object({
    file: { type: "string", description: "Relative to the working tree" },
    status: { type: "string", enum: FILE_STATUSES },
    additions: COUNT,
    deletions: COUNT,
    binary: { type: "boolean" },
    patch: { type: "string", description: "The file's unified diff" },
    truncated: { type: "boolean", description: "Cut at 1 MiB" },
  }, {
    optional: {
      old_file: { type: "string", description: "Before a rename or copy" },
    },
  }),
  SessionDiff: object({
    session_id: { type: "string" },
    ...DIFF_FIELDS,
  }),
  RunDiff: object({
    run_id: { type: "string" },
    ...DIFF_FIELDS,
  }, {
    description:
      "A run's changes in its own worktree: the same shape as a session's diff",
  }),
  MergeResult: object(MERGE_FIELDS),
  WorktreeRemoval: object({
    path: { type: "string", description: "The worktree's directory" },
    branch: { type: "string" },
    branch_deleted: {
      type: "boolean",
      description: "Only a branch merged into its base is deleted",
    },
  }),
  RunMergeResult: object({
    run_id: { type: "string" },
    ...MERGE_FIELDS,
    removed: {
      oneOf: [ref("WorktreeRemoval"), { type: "null" }],
      description:
        "The worktree (and branch) removed after the merge; null when that failed (the merge stands)",
    },
  }),
  CommitResult: object({
    commit: { type: "string" },
    files: arrayOf({ type: "string" }),
  }),
  WorktreeWork: object({
    session_id: {
      type: "string",
      description: "The session that owns the worktree",
    },
    branch: { type: ["string", "null"], description: "Null when detached" },
    base: { type: "string" },
    path: { type: "string", description: "The worktree's directory" },
    files: {
      ...arrayOf({ type: "string" }),
      description: "Uncommitted (or untracked) files",
    },
    unmerged_commits: {
      ...COUNT,
      description: "Commits of the branch the base lacks",
    },
  }),
};
