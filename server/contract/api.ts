/**
 * Response bodies that belong to no resource in particular.
 *
 * @module
 */
import type { WorktreeWorkJson } from "./worktrees.ts";

/** The body of every API error response. */
export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    /** The files the error is about (a merge conflict, uncommitted changes), when any. */
    files?: string[];
    /** The worktrees with work to lose (deleting an instance), when any. */
    worktrees?: WorktreeWorkJson[];
  };
}

/** The body of `GET /api/health`. */
export interface HealthJson {
  ok: true;
  version: string;
  uptime_s: number;
}
