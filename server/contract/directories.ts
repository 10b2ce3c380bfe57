/**
 * The directory picker's listing on the wire (`GET /api/directories`).
 *
 * @module
 */

/** One listed subdirectory. */
export interface DirectoryEntryJson {
  name: string;
  /** Its absolute path (through the listed directory's real path). */
  path: string;
  /**
   * It is a git repository or worktree: it holds a `.git` directory or
   * file (its subdirectories are not looked at).
   */
  git: boolean;
}

/** The body of `GET /api/directories`. */
export interface DirectoriesJson {
  /** The listed directory (real path). */
  path: string;
  /** Its parent, or null at `/` and at an allowed root. */
  parent: string | null;
  directories: DirectoryEntryJson[];
}
