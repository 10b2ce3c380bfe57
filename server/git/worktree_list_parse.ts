/**
 * Parses `git worktree list --porcelain -z` (pure).
 *
 * @module
 */

/** One working tree of a repository. */
export interface WorktreeEntry {
  /** The absolute path, as git records it. */
  path: string;
  /** The checked-out commit, or null (bare, or a branch with no commits yet). */
  head: string | null;
  /** The checked-out local branch (short name, e.g. `main`), or null when detached. */
  branch: string | null;
  detached: boolean;
  bare: boolean;
  /** Locked (`git worktree lock`). */
  locked: boolean;
  /** Its directory is gone, so `git worktree prune` would drop it. */
  prunable: boolean;
  /** The repository's main working tree (the first entry). */
  main: boolean;
}

/**
 * Parses the records: lines `worktree <path>`, `HEAD <sha>`,
 * `branch refs/heads/<name>`, `detached`, `bare`, `locked [reason]`,
 * `prunable [reason]`, each NUL-terminated, a record ended by an empty
 * line.
 */
export function parseWorktreeList(output: string): WorktreeEntry[] {
  const entries: WorktreeEntry[] = [];
  let current: WorktreeEntry | undefined;
  for (const line of output.split("\0")) {
    if (line === "") {
      current = undefined;
      continue;
    }
    const space = line.indexOf(" ");
    const key = space === -1 ? line : line.slice(0, space);
    const value = space === -1 ? "" : line.slice(space + 1);
    if (key === "worktree") {
      current = {
        path: value,
        head: null,
        branch: null,
        detached: false,
        bare: false,
        locked: false,
        prunable: false,
        main: entries.length === 0,
      };
      entries.push(current);
      continue;
    }
    if (!current) continue;
    switch (key) {
      case "HEAD":
        current.head = /^0+$/.test(value) ? null : value;
        break;
      case "branch":
        current.branch = value.startsWith("refs/heads/")
          ? value.slice("refs/heads/".length)
          : value;
        break;
      case "detached":
        current.detached = true;
        break;
      case "bare":
        current.bare = true;
        break;
      case "locked":
        current.locked = true;
        break;
      case "prunable":
        current.prunable = true;
        break;
    }
  }
  return entries;
}
