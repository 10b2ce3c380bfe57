/**
 * Finds the `opencode` executable Flock runs. Pure: the environment, the
 * PATH and the file system are injected, so the order is unit-testable.
 *
 * Order: the `--opencode` flag, then `FLOCK_OPENCODE`, then `opencode` on
 * PATH (a user's own install wins), then the copy pinned in `deno.json`
 * (`npm:opencode-linux-x64`, installed by `deno install` into
 * `node_modules/opencode-linux-x64/bin/opencode`).
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** Where a resolved binary came from. */
export type BinarySource = "flag" | "env" | "path" | "pinned";

/** A binary Flock can spawn. */
export interface ResolvedBinary {
  /** The path to spawn. */
  path: string;
  /** Which rule found it. */
  source: BinarySource;
}

/** What {@linkcode resolveOpenCodeBinary} looks at. */
export interface ResolveBinaryOptions {
  /** The `--opencode <path>` flag, if given. */
  flag?: string | undefined;
  /** The environment (only `FLOCK_OPENCODE` is read). */
  env: Readonly<Record<string, string | undefined>>;
  /** The directories of `PATH`, in order. */
  pathDirs: readonly string[];
  /** Whether an executable file exists at a path. */
  exists: (path: string) => boolean;
  /** The path of the copy pinned by `deno install`. */
  pinnedPath: string;
}

/** No usable OpenCode binary was found. The message says how to fix it. */
export class OpenCodeBinaryError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "OpenCodeBinaryError";
  }
}

const FIX =
  "run `deno install` (it installs the pinned npm:opencode-linux-x64), put `opencode` on PATH, set FLOCK_OPENCODE, or pass --opencode /path/to/opencode";

/**
 * Resolves the OpenCode binary.
 *
 * An explicit choice (flag or `FLOCK_OPENCODE`) that does not exist is an
 * error rather than a silent fallback, so a typo is noticed.
 *
 * @returns The binary and its source.
 * @throws {OpenCodeBinaryError} when nothing usable is found.
 * @example
 * ```ts
 * const bin = resolveOpenCodeBinary({
 *   env: { FLOCK_OPENCODE: Deno.env.get("FLOCK_OPENCODE") },
 *   pathDirs: splitPath(Deno.env.get("PATH")),
 *   exists: isExecutableFile,
 *   pinnedPath: pinnedOpenCodePath(),
 * });
 * ```
 */
export function resolveOpenCodeBinary(
  options: ResolveBinaryOptions,
): ResolvedBinary {
  const { flag, env, pathDirs, exists, pinnedPath } = options;
  if (flag !== undefined && flag !== "") {
    if (exists(flag)) return { path: flag, source: "flag" };
    throw new OpenCodeBinaryError(
      `Cannot use the OpenCode binary given by --opencode as it is not an executable file: ${flag}; pass the path of an installed opencode`,
    );
  }
  const fromEnv = env["FLOCK_OPENCODE"];
  if (fromEnv !== undefined && fromEnv !== "") {
    if (exists(fromEnv)) return { path: fromEnv, source: "env" };
    throw new OpenCodeBinaryError(
      `Cannot use the OpenCode binary given by FLOCK_OPENCODE as it is not an executable file: ${fromEnv}; fix or unset FLOCK_OPENCODE`,
    );
  }
  for (const dir of pathDirs) {
    if (dir === "") continue;
    const candidate = `${dir.replace(/\/+$/, "")}/opencode`;
    if (exists(candidate)) return { path: candidate, source: "path" };
  }
  if (exists(pinnedPath)) return { path: pinnedPath, source: "pinned" };
  throw new OpenCodeBinaryError(
    `Cannot find the OpenCode binary: not on PATH and not at ${pinnedPath}; ${FIX}`,
  );
}

/** Splits a `PATH` value into its directories. */
export function splitPath(path: string | undefined): string[] {
  return (path ?? "").split(":").filter((dir) => dir !== "");
}

/** The path where `deno install` puts the pinned OpenCode binary. */
export function pinnedOpenCodePath(): string {
  return fileURLToPath(
    new URL(
      "../../node_modules/opencode-linux-x64/bin/opencode",
      import.meta.url,
    ),
  );
}

/**
 * Whether `path` is a regular file with an execute bit. Any error (missing
 * file, no read permission) counts as "no".
 */
export function isExecutableFile(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/**
 * Resolves the binary from the real environment (flag, `FLOCK_OPENCODE`,
 * `PATH`, pinned copy).
 *
 * @throws {OpenCodeBinaryError} when nothing usable is found.
 */
export function resolveOpenCodeBinaryFromEnv(flag?: string): ResolvedBinary {
  return resolveOpenCodeBinary({
    flag,
    env: { FLOCK_OPENCODE: Deno.env.get("FLOCK_OPENCODE") },
    pathDirs: splitPath(Deno.env.get("PATH")),
    exists: isExecutableFile,
    pinnedPath: pinnedOpenCodePath(),
  });
}
