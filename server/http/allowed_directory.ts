/**
 * The allowed-directory policy: which directories an instance may run in
 * and the directory picker may list. A path is resolved through symlinks
 * (`realPath`) before it is compared with the `--root` directories (each
 * resolved too), so a symlink cannot escape a root.
 *
 * @module
 */
import {
  BadRequestError,
  clip,
  ForbiddenError,
  type HttpError,
} from "./errors.ts";

/**
 * Validates an instance's working directory: an absolute path to an existing
 * directory, resolved through symlinks (`realPath`), that lies inside one of
 * `roots` when any are given (each root is resolved too, so a symlink that
 * escapes a root is refused). Used by `POST /api/instances` and
 * `GET /api/directories`.
 *
 * @returns The real path.
 * @throws {BadRequestError} when the path is not absolute, missing or not a directory.
 * @throws {ForbiddenError} when it is outside the roots or cannot be read.
 */
export async function resolveAllowedDirectory(
  path: string,
  roots: readonly string[],
): Promise<string> {
  if (path === "" || path.includes("\0")) {
    throw new BadRequestError(
      "Cannot use the directory: the path is empty or contains a NUL byte",
      "invalid_directory",
    );
  }
  if (!path.startsWith("/") && !/^[A-Za-z]:[\\/]/.test(path)) {
    throw new BadRequestError(
      `Cannot use the directory as it is not an absolute path: ${clip(path)}`,
      "invalid_directory",
    );
  }
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch (error) {
    throw fsError(path, error);
  }
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(real);
  } catch (error) {
    throw fsError(path, error);
  }
  if (!info.isDirectory) {
    throw new BadRequestError(
      `Cannot use the directory as it is not a directory: ${clip(path)}`,
      "not_a_directory",
    );
  }
  if (roots.length === 0) return real;
  for (const root of roots) {
    let realRoot: string;
    try {
      realRoot = await Deno.realPath(root);
    } catch {
      continue; // A missing root contains nothing.
    }
    if (isInside(real, realRoot)) return real;
  }
  throw new ForbiddenError(
    `Cannot use the directory as it is outside the allowed roots (${
      roots.join(", ")
    }): ${clip(path)}${real === path ? "" : ` (resolves to ${real})`}`,
    "directory_not_allowed",
  );
}

/** Whether `path` is `root` or below it (both already real paths). */
export function isInside(path: string, root: string): boolean {
  const sep = root.includes("\\") && !root.includes("/") ? "\\" : "/";
  const base = root.endsWith(sep) ? root : root + sep;
  return path === root || path.startsWith(base);
}

function fsError(path: string, error: unknown): HttpError {
  if (error instanceof Deno.errors.NotFound) {
    return new BadRequestError(
      `Cannot use the directory as it does not exist: ${clip(path)}`,
      "directory_not_found",
    );
  }
  if (error instanceof Deno.errors.NotADirectory) {
    return new BadRequestError(
      `Cannot use the directory as part of its path is not a directory: ${
        clip(path)
      }`,
      "not_a_directory",
    );
  }
  if (
    error instanceof Deno.errors.PermissionDenied ||
    error instanceof Deno.errors.NotCapable
  ) {
    return new ForbiddenError(
      `Cannot use the directory as Flock may not read it: ${clip(path)}`,
      "directory_forbidden",
    );
  }
  return new BadRequestError(
    `Cannot use the directory: ${clip(path)}: ${
      error instanceof Error ? error.message : String(error)
    }`,
    "invalid_directory",
  );
}
