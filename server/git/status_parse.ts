/**
 * Parses `git status --porcelain=v2 -z` (pure). With `-z`, paths are
 * never quoted, so spaces, unicode and newlines in file names survive.
 *
 * @module
 */

/** What kind of status line an entry came from. */
export type StatusKind =
  | "changed"
  | "renamed"
  | "copied"
  | "unmerged"
  | "untracked"
  | "ignored";

/** One changed path of `git status`. */
export interface StatusEntry {
  /** The path, relative to the work tree's top level. */
  path: string;
  /** For renames and copies: the path it came from. */
  origPath?: string;
  kind: StatusKind;
  /**
   * The index (staged) state: a porcelain letter (`.` unchanged, `M`, `T`,
   * `A`, `D`, `R`, `C`, `U`), or `?`/`!` for untracked/ignored paths.
   */
  index: string;
  /** The work-tree (unstaged) state, same letters. */
  worktree: string;
}

/** The output did not look like porcelain v2. */
export class StatusParseError extends Error {
  constructor(detail: string) {
    super(`Cannot parse git status output as ${detail}`);
    this.name = "StatusParseError";
  }
}

/** Splits `rest` into `count` space-separated fields and the remainder. */
function fields(rest: string, count: number): [string[], string] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const space = rest.indexOf(" ", start);
    if (space === -1) throw new StatusParseError(`a short line: ${rest}`);
    out.push(rest.slice(start, space));
    start = space + 1;
  }
  return [out, rest.slice(start)];
}

/**
 * Parses NUL-separated porcelain v2 records. Header lines (`# …`) are
 * skipped.
 *
 * @throws {StatusParseError} on a record it does not understand.
 * @example
 * ```ts
 * parseStatusV2("? new file.txt\0");
 * // [{ path: "new file.txt", kind: "untracked", index: "?", worktree: "?" }]
 * ```
 */
export function parseStatusV2(output: string): StatusEntry[] {
  const tokens = output.split("\0");
  const entries: StatusEntry[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === "" || token.startsWith("# ")) continue;
    const type = token[0];
    const rest = token.slice(2);
    switch (type) {
      case "1": {
        // 1 XY sub mH mI mW hH hI path
        const [f, path] = fields(rest, 7);
        const xy = f[0]!;
        entries.push({
          path,
          kind: "changed",
          index: xy[0]!,
          worktree: xy[1]!,
        });
        break;
      }
      case "2": {
        // 2 XY sub mH mI mW hH hI Xscore path NUL origPath
        const [f, path] = fields(rest, 8);
        const xy = f[0]!;
        const origPath = tokens[++i];
        if (origPath === undefined) {
          throw new StatusParseError(`a rename without its source: ${token}`);
        }
        entries.push({
          path,
          origPath,
          kind: f[7]!.startsWith("C") ? "copied" : "renamed",
          index: xy[0]!,
          worktree: xy[1]!,
        });
        break;
      }
      case "u": {
        // u XY sub m1 m2 m3 mW h1 h2 h3 path
        const [f, path] = fields(rest, 9);
        const xy = f[0]!;
        entries.push({
          path,
          kind: "unmerged",
          index: xy[0]!,
          worktree: xy[1]!,
        });
        break;
      }
      case "?":
        entries.push({
          path: rest,
          kind: "untracked",
          index: "?",
          worktree: "?",
        });
        break;
      case "!":
        entries.push({
          path: rest,
          kind: "ignored",
          index: "!",
          worktree: "!",
        });
        break;
      default:
        throw new StatusParseError(`an unknown record: ${token.slice(0, 80)}`);
    }
  }
  return entries;
}

/** Whether an entry changes a tracked file (staged or not), unlike an untracked or ignored one. */
export function touchesTrackedFile(entry: StatusEntry): boolean {
  return entry.kind !== "untracked" && entry.kind !== "ignored";
}
