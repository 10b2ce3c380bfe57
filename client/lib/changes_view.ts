/**
 * What the changes panel shows, decided purely: a changed file's row
 * (status letter, label, +/-), the totals, the line a click on the rendered
 * diff comments on, a branch name a person typed, and the sentence for a
 * refused action (naming the server's files).
 *
 * @module
 */
import type {
  DiffFileJson,
  DiffFileStatus,
} from "../../server/contract/worktrees.ts";

/** One row of the changed-files list. */
export interface FileRow {
  /** The file's path (after a rename). */
  readonly file: string;
  /** `old → new` for a rename or copy, else the path. */
  readonly name: string;
  /** One letter, as `git status --short` writes it. */
  readonly letter: string;
  /** The status in words. */
  readonly label: string;
  readonly additions: number;
  readonly deletions: number;
  /** Binary, or cut: no lines to show. */
  readonly note: string | null;
}

const STATUS: Record<DiffFileStatus, [string, string]> = {
  added: ["A", "added"],
  deleted: ["D", "deleted"],
  modified: ["M", "modified"],
  renamed: ["R", "renamed"],
  copied: ["C", "copied"],
  "type-changed": ["T", "type changed"],
  unmerged: ["U", "unmerged"],
  unknown: ["?", "changed"],
};

/**
 * The list row of a changed file.
 *
 * @example
 * ```ts
 * fileRow({ file: "b.ts", old_file: "a.ts", status: "renamed", additions: 1, deletions: 0, binary: false, patch: "", truncated: false });
 * // { file: "b.ts", name: "a.ts → b.ts", letter: "R", label: "renamed", additions: 1, deletions: 0, note: null }
 * ```
 */
export function fileRow(file: DiffFileJson): FileRow {
  const [letter, label] = STATUS[file.status] ?? STATUS.unknown;
  return {
    file: file.file,
    name: file.old_file !== undefined && file.old_file !== file.file
      ? `${file.old_file} → ${file.file}`
      : file.file,
    letter,
    label,
    additions: file.additions,
    deletions: file.deletions,
    note: file.binary
      ? "Binary file"
      : file.truncated
      ? "The diff is too large to show in full"
      : null,
  };
}

/** The sums over a diff's files. */
export interface DiffTotals {
  readonly files: number;
  readonly additions: number;
  readonly deletions: number;
}

/** Files, added and deleted lines of a diff. */
export function diffTotals(files: readonly DiffFileJson[]): DiffTotals {
  let additions = 0;
  let deletions = 0;
  for (const f of files) {
    additions += f.additions;
    deletions += f.deletions;
  }
  return { files: files.length, additions, deletions };
}

/** What the rendered diff shows in a clicked row. */
export interface RowCells {
  /** The old line number's text (empty for an added line). */
  readonly oldNumber: string;
  /** The new line number's text (empty for a deleted line). */
  readonly newNumber: string;
  /** The line's text, without its `+`/`-` prefix. */
  readonly content: string;
}

/** The line a comment is about. */
export interface CommentTarget {
  readonly file: string;
  /** The line's number in the new file, or in the old one for a deleted line. */
  readonly line: number;
  /** Which side `line` counts in. */
  readonly side: "new" | "old";
  readonly quote: string;
}

function lineNumber(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const n = Number(trimmed);
  return n >= 1 ? n : null;
}

/**
 * The comment target of a clicked diff row, or null for a row that is no
 * line (a hunk header).
 *
 * @example
 * ```ts
 * commentTarget("a.ts", { oldNumber: "", newNumber: "3", content: "let x = 1;" });
 * // { file: "a.ts", line: 3, side: "new", quote: "let x = 1;" }
 * ```
 */
export function commentTarget(
  file: string,
  cells: RowCells,
): CommentTarget | null {
  const line = lineNumber(cells.newNumber);
  const old = lineNumber(cells.oldNumber);
  const quote = cells.content.replace(/\u00a0/g, " ").replace(/\n+$/, "");
  if (line !== null) return { file, line, side: "new", quote };
  if (old !== null) return { file, line: old, side: "old", quote };
  return null;
}

/**
 * A branch name as typed, or null for none (Flock then names it); spaces
 * become dashes. Git itself judges the rest (the server's 400 says why).
 */
export function branchInput(text: string): string | null {
  const name = text.trim().replace(/\s+/g, "-");
  return name === "" ? null : name;
}

/** A refused action: the server's status, code, message and files. */
export interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly files: readonly string[];
}

const FILES_SHOWN = 20;

/**
 * The sentence a refused action shows: what failed, the server's reason
 * and, when it names files (a merge conflict, uncommitted changes), them.
 *
 * @example
 * ```ts
 * refusalText("merge", { status: 409, code: "merge_conflict", message: "Cannot merge: conflict", files: ["a.txt"] });
 * // "Cannot merge (409): Cannot merge: conflict. Files: a.txt"
 * ```
 */
export function refusalText(action: string, refusal: Refusal): string {
  const status = refusal.status > 0 ? ` (${refusal.status})` : "";
  const reason = refusal.message.replace(/\.$/, "");
  const shown = refusal.files.slice(0, FILES_SHOWN).join(", ");
  const more = refusal.files.length > FILES_SHOWN
    ? ` and ${refusal.files.length - FILES_SHOWN} more`
    : "";
  return `Cannot ${action}${status}: ${reason}${
    refusal.files.length > 0 ? `. Files: ${shown}${more}` : ""
  }`;
}
