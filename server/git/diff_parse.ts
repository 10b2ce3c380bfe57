/**
 * Parses `git diff-tree -r -z -M --raw --numstat` and splits a unified
 * patch into per-file pieces (pure).
 *
 * @module
 */

/** How a file changed. */
export type FileStatus =
  | "added"
  | "deleted"
  | "modified"
  | "renamed"
  | "copied"
  | "type-changed"
  | "unmerged"
  | "unknown";

/** One changed file, without its patch. */
export interface DiffStat {
  /** The path after the change (for a deletion: the deleted path). */
  file: string;
  /** For renames and copies: the path before. */
  oldFile?: string;
  status: FileStatus;
  /** Added lines (0 for a binary file). */
  additions: number;
  /** Deleted lines (0 for a binary file). */
  deletions: number;
  /** git considers the file binary (no line counts, no text patch). */
  binary: boolean;
}

/** The output did not have the expected shape. */
export class DiffParseError extends Error {
  constructor(detail: string) {
    super(`Cannot parse git diff output as ${detail}`);
    this.name = "DiffParseError";
  }
}

const STATUS: Record<string, FileStatus> = {
  A: "added",
  D: "deleted",
  M: "modified",
  R: "renamed",
  C: "copied",
  T: "type-changed",
  U: "unmerged",
};

/**
 * Parses the raw records followed by the numstat records of one diff run
 * with `-z` (they list the same files in the same order).
 *
 * @throws {DiffParseError} when the two lists disagree.
 */
export function parseRawNumstat(output: string): DiffStat[] {
  const tokens = output.split("\0");
  const raw: Array<{ status: FileStatus; file: string; oldFile?: string }> = [];
  const counts: Array<{ added: string; deleted: string; file: string }> = [];
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i]!;
    if (token === "") {
      i++;
      continue;
    }
    if (token.startsWith(":")) {
      const letter = token.split(" ")[4]?.[0] ?? "X";
      const status = STATUS[letter] ?? "unknown";
      if (letter === "R" || letter === "C") {
        const oldFile = tokens[i + 1];
        const file = tokens[i + 2];
        if (oldFile === undefined || file === undefined) {
          throw new DiffParseError(`a rename without paths: ${token}`);
        }
        raw.push({ status, file, oldFile });
        i += 3;
      } else {
        const file = tokens[i + 1];
        if (file === undefined) {
          throw new DiffParseError(`a record without a path: ${token}`);
        }
        raw.push({ status, file });
        i += 2;
      }
      continue;
    }
    const parts = token.split("\t");
    if (parts.length < 3) {
      throw new DiffParseError(`an unknown record: ${token.slice(0, 80)}`);
    }
    const [added = "", deleted = ""] = parts;
    const path = parts.slice(2).join("\t");
    if (path === "") {
      // A rename: the old and new paths follow as their own tokens.
      const file = tokens[i + 2];
      if (file === undefined) {
        throw new DiffParseError(`a numstat rename without paths: ${token}`);
      }
      counts.push({ added, deleted, file });
      i += 3;
    } else {
      counts.push({ added, deleted, file: path });
      i += 1;
    }
  }
  if (raw.length !== counts.length) {
    throw new DiffParseError(
      `${raw.length} raw records do not match ${counts.length} numstat records`,
    );
  }
  return raw.map((entry, index) => {
    const count = counts[index]!;
    if (count.file !== entry.file) {
      throw new DiffParseError(
        `record ${index} names ${entry.file} and ${count.file}`,
      );
    }
    const binary = count.added === "-" && count.deleted === "-";
    const stat: DiffStat = {
      file: entry.file,
      status: entry.status,
      additions: binary ? 0 : Number(count.added),
      deletions: binary ? 0 : Number(count.deleted),
      binary,
    };
    if (entry.oldFile !== undefined) stat.oldFile = entry.oldFile;
    return stat;
  });
}

/**
 * Splits a multi-file unified patch at its `diff --git ` header lines.
 * Content lines always start with ` `, `+`, `-`, `\` or `@@`, so a header
 * cannot be confused with content.
 */
export function splitPatch(patch: string): string[] {
  if (patch === "") return [];
  const pieces: string[] = [];
  let start = patch.startsWith("diff --git ") ? 0 : -1;
  let from = 0;
  while (true) {
    const next = patch.indexOf("\ndiff --git ", from);
    if (next === -1) break;
    if (start >= 0) pieces.push(patch.slice(start, next + 1));
    start = next + 1;
    from = next + 1;
  }
  if (start >= 0) pieces.push(patch.slice(start));
  return pieces;
}
