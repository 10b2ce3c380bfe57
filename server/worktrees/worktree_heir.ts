/**
 * Who inherits a worktree when the session that owns it is deleted (pure).
 *
 * The rule: a worktree belongs to the session Flock made it for, and its
 * forks run in it too (OpenCode's fork keeps the directory). Deleting a
 * fork leaves the worktree alone; deleting the owner while forks still run
 * there hands the worktree to the oldest of them, so a worktree is removed
 * only with the last session that uses it.
 *
 * @module
 */

/** A session that may run in a worktree. */
export interface WorktreeUser {
  id: string;
  /** Where OpenCode runs it; unknown for old rows. */
  directory?: string;
  created_at: string;
}

/** Whether `directory` is the worktree at `path` or inside it. */
export function isInside(directory: string, path: string): boolean {
  const top = path.replace(/\/+$/, "");
  const dir = directory.replace(/\/+$/, "");
  return dir === top || dir.startsWith(top + "/");
}

/**
 * The session that inherits the worktree at `path` from `ownerId`: the
 * oldest other session that runs inside it and owns no worktree itself.
 *
 * @returns undefined when no other session uses it.
 * @example
 * ```ts
 * heirOf({ session_id: "ses_a", path: "/wt/a" }, [
 *   { id: "ses_a", directory: "/wt/a", created_at: "2026-01-01T00:00:00Z" },
 *   { id: "ses_f", directory: "/wt/a/sub", created_at: "2026-01-02T00:00:00Z" },
 * ], new Set(["ses_a"])); // "ses_f"
 * ```
 */
export function heirOf(
  worktree: { session_id: string; path: string },
  sessions: readonly WorktreeUser[],
  owners: ReadonlySet<string>,
): string | undefined {
  const users = sessions.filter((s) =>
    s.id !== worktree.session_id && !owners.has(s.id) &&
    s.directory !== undefined && isInside(s.directory, worktree.path)
  );
  users.sort((a, b) =>
    a.created_at === b.created_at
      ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
      : (a.created_at < b.created_at ? -1 : 1)
  );
  return users[0]?.id;
}
