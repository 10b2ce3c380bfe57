/**
 * `GET /api/directories?path=`: the PWA's directory picker. Lists the
 * subdirectories of one directory (never files or contents), each marked
 * when it is a git repository, honouring the `--root` allowlist.
 *
 * @module
 */
import { BadRequestError, ForbiddenError } from "../http/errors.ts";
import {
  isInside,
  resolveAllowedDirectory,
} from "../http/allowed_directory.ts";
import type {
  DirectoriesJson,
  DirectoryEntryJson,
} from "../contract/directories.ts";
import type { ApiContext } from "./api_context.ts";
import { type ApiRoute, errorDoc, ref } from "./openapi.ts";

export type { DirectoriesJson, DirectoryEntryJson };

/** At most this many subdirectories are listed. */
export const MAX_DIRECTORY_ENTRIES = 5000;

function join(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

function parentOf(path: string): string | null {
  if (path === "/" || !path.includes("/")) return null;
  const i = path.lastIndexOf("/");
  return i === 0 ? "/" : path.slice(0, i);
}

async function realRoots(roots: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const root of roots) {
    try {
      out.push(await Deno.realPath(root));
    } catch {
      // A missing root contains nothing.
    }
  }
  return out;
}

/** How many `.git` look-ups run at once. */
const GIT_CHECKS_AT_ONCE = 32;

/** Whether `dir` holds a `.git` directory or file (a repository or worktree). */
async function isGitRepository(dir: string): Promise<boolean> {
  try {
    const info = await Deno.lstat(join(dir, ".git"));
    return info.isDirectory || info.isFile;
  } catch {
    return false; // missing or unreadable
  }
}

/** Sets `git` on each entry, a bounded number of look-ups at a time. */
async function markRepositories(entries: DirectoryEntryJson[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const entry = entries[next++]!;
      entry.git = await isGitRepository(entry.path);
    }
  };
  await Promise.all(
    Array.from(
      { length: Math.min(GIT_CHECKS_AT_ONCE, entries.length) },
      worker,
    ),
  );
}

/** Orders names case-insensitively, hidden (dot) names last. */
export function compareNames(a: string, b: string): number {
  const ha = a.startsWith(".");
  const hb = b.startsWith(".");
  if (ha !== hb) return ha ? 1 : -1;
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Lists the subdirectories of `path` (default: `home`, or the first root
 * when home lies outside the roots).
 *
 * @throws {BadRequestError} when the path is not absolute, missing, not a
 * directory or unreadable.
 * @throws {ForbiddenError} when it lies outside the roots.
 */
export async function listDirectories(
  path: string | null,
  options: {
    roots: readonly string[];
    home: string | undefined;
    hidden: boolean;
  },
): Promise<DirectoriesJson> {
  const roots = await realRoots(options.roots);
  let target = path;
  if (target === null || target === "") {
    target = options.home ?? "/";
    if (options.roots.length > 0) {
      let home: string | undefined;
      try {
        home = options.home ? await Deno.realPath(options.home) : undefined;
      } catch {
        home = undefined;
      }
      if (!home || !roots.some((r) => isInside(home, r))) {
        target = roots[0] ?? options.roots[0]!;
      }
    }
  }
  const real = await resolveAllowedDirectory(target, options.roots);
  let parent = parentOf(real);
  if (parent !== null && options.roots.length > 0) {
    const p = parent;
    if (!roots.some((r) => isInside(p, r))) parent = null;
  }
  const directories: DirectoryEntryJson[] = [];
  try {
    for await (const entry of Deno.readDir(real)) {
      if (!options.hidden && entry.name.startsWith(".")) continue;
      const full = join(real, entry.name);
      if (entry.isSymlink) {
        try {
          if (!(await Deno.stat(full)).isDirectory) continue;
          const resolved = await Deno.realPath(full);
          if (
            options.roots.length > 0 &&
            !roots.some((r) => isInside(resolved, r))
          ) continue;
        } catch {
          continue; // Dangling or unreadable link.
        }
      } else if (!entry.isDirectory) {
        continue;
      }
      directories.push({ name: entry.name, path: full, git: false });
      if (directories.length >= MAX_DIRECTORY_ENTRIES) break;
    }
  } catch (error) {
    if (
      error instanceof Deno.errors.PermissionDenied ||
      error instanceof Deno.errors.NotCapable
    ) {
      throw new ForbiddenError(
        `Cannot list the directory as Flock may not read it: ${real}`,
        "directory_forbidden",
      );
    }
    throw new BadRequestError(
      `Cannot list the directory: ${real}: ${
        error instanceof Error ? error.message : String(error)
      }`,
      "directory_unreadable",
    );
  }
  directories.sort((a, b) => compareNames(a.name, b.name));
  await markRepositories(directories);
  return { path: real, parent, directories };
}

/** The directory picker route. */
export function directoryRoutes(ctx: ApiContext): ApiRoute[] {
  return [
    {
      method: "GET",
      path: "/api/directories",
      summary: "List subdirectories, for picking an instance's directory",
      doc: {
        tag: "directories",
        description:
          "Only directories are listed (symlinks to directories included, unless they lead outside the allowed roots), sorted case-insensitively. Hidden (dot) directories are left out unless `hidden=true`, and then come last. `parent` is null at `/` and at an allowed root. `git` is true for a directory holding a `.git` directory or file (a repository or a worktree).",
        query: [
          {
            name: "path",
            description:
              "An absolute path; default: the user's home (or the first --root when home is outside the roots)",
            schema: { type: "string" },
          },
          {
            name: "hidden",
            description: "Include dot directories",
            schema: { type: "boolean", default: false },
          },
        ],
        responses: {
          200: { description: "The listing", schema: ref("Directories") },
          400: errorDoc(400),
          403: errorDoc(403),
        },
      },
      handler: async ({ url }) => {
        const hidden = url.searchParams.get("hidden");
        if (hidden !== null && hidden !== "true" && hidden !== "false") {
          throw new BadRequestError(
            `Cannot use query "hidden": expected true or false, got "${
              hidden.slice(0, 20)
            }"`,
            "invalid_query",
          );
        }
        return Response.json(
          await listDirectories(url.searchParams.get("path"), {
            roots: ctx.roots,
            home: ctx.home,
            hidden: hidden === "true",
          }),
        );
      },
    },
  ];
}
