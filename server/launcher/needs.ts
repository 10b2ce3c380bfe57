/**
 * From a parsed {@linkcode Config} to the {@linkcode LaunchNeeds} the
 * launcher grants: absolute data dir and database, the bind address, and
 * what each contributor adds (the OpenCode binary, git, and whatever a later
 * feature declares). The facts about the machine (cwd, environment, PATH,
 * which files are executable) are injected, so this is testable without one.
 *
 * **Extending it.** A feature that needs Flock to run another program, reach
 * another host, write another place or read another variable adds a
 * {@linkcode LaunchContributor} to {@linkcode DEFAULT_CONTRIBUTORS}. It
 * derives its needs from the config (a flag it added to `config.ts`) or from
 * the machine (the facts); the launcher grants them when Flock starts.
 * Permissions are fixed for the life of the process, so something only
 * learnt at run time (e.g. a remote server added through the API) is granted
 * at the next start: such a feature must keep its list where a contributor
 * can read it at launch (a flag, or a file in the data dir) and tell the
 * user to restart.
 *
 * @module
 */
import type { Config } from "../config.ts";
import {
  OpenCodeBinaryError,
  resolveOpenCodeBinary,
} from "../opencode/opencode_binary.ts";
import type { LaunchNeeds } from "./grants.ts";
import { remoteHostsContributor } from "./remote_hosts.ts";

/** What the launcher knows about the machine. */
export interface LaunchFacts {
  /** The working directory relative paths are resolved against. */
  cwd: string;
  /** Reads an environment variable (undefined when unset or not permitted). */
  env: (name: string) => string | undefined;
  /** The directories of `PATH`, in order. */
  pathDirs: readonly string[];
  /** Whether an executable file exists at an (absolute) path. */
  isExecutable: (path: string) => boolean;
  /** Where `deno install` puts the pinned OpenCode. */
  pinnedOpenCode: string;
}

/** What one contributor asks to be granted; every field is optional. */
export interface LaunchContribution {
  /** Executables to run: absolute, or relative to the cwd. */
  run?: readonly string[];
  /** Outbound hosts in `--allow-net` syntax (`name`, `name:port`, `[v6]:port`). */
  outboundHosts?: readonly string[];
  /** Paths to write: absolute, or relative to the cwd. */
  write?: readonly string[];
  /** Environment variables to read. */
  env?: readonly string[];
}

/** Derives a feature's needs from the config and the machine. */
export type LaunchContributor = (
  config: Config,
  facts: LaunchFacts,
) => LaunchContribution;

/**
 * The OpenCode binary the children will run, resolved the way the
 * supervisor resolves it (`--opencode`, `FLOCK_OPENCODE`, PATH, the pinned
 * copy). When none is found nothing is granted: creating an instance then
 * fails with the resolver's own message, as it would anyway.
 */
export const openCodeContributor: LaunchContributor = (config, facts) => {
  try {
    const { path } = resolveOpenCodeBinary({
      flag: config.opencode,
      env: { FLOCK_OPENCODE: facts.env("FLOCK_OPENCODE") },
      pathDirs: facts.pathDirs,
      exists: (p) => facts.isExecutable(absolute(p, facts.cwd)),
      pinnedPath: facts.pinnedOpenCode,
    });
    return { run: [path] };
  } catch (error) {
    if (error instanceof OpenCodeBinaryError) return {};
    throw error;
  }
};

/**
 * `git` on PATH (the first one, as Deno resolves `new Deno.Command("git")`),
 * for the worktree features; nothing when there is none.
 */
export const gitContributor: LaunchContributor = (_config, facts) => {
  const git = facts.pathDirs
    .map((dir) => `${dir.replace(/\/+$/, "")}/git`)
    .find((p) => facts.isExecutable(absolute(p, facts.cwd)));
  return git === undefined ? {} : { run: [git] };
};

/** Every contributor the launcher consults, in order. */
export const DEFAULT_CONTRIBUTORS: readonly LaunchContributor[] = [
  openCodeContributor,
  gitContributor,
  remoteHostsContributor,
];

/**
 * Resolves what Flock needs for a config.
 *
 * @example
 * ```ts
 * resolveLaunchNeeds(config, facts).run; // ["/usr/local/bin/opencode", "/usr/bin/git"]
 * ```
 */
export function resolveLaunchNeeds(
  config: Config,
  facts: LaunchFacts,
  contributors: readonly LaunchContributor[] = DEFAULT_CONTRIBUTORS,
): LaunchNeeds {
  const parts = contributors.map((contribute) => contribute(config, facts));
  const paths = (
    pick: (c: LaunchContribution) => readonly string[] = () => [],
  ) => parts.flatMap((c) => pick(c).map((p) => absolute(p, facts.cwd)));
  return {
    dataDir: absolute(config.dataDir, facts.cwd),
    dbPath: config.dbPath === ":memory:"
      ? config.dbPath
      : absolute(config.dbPath, facts.cwd),
    host: config.host,
    port: config.port,
    run: paths((c) => c.run ?? []),
    outboundHosts: parts.flatMap((c) => c.outboundHosts ?? []),
    write: paths((c) => c.write ?? []),
    env: parts.flatMap((c) => c.env ?? []),
  };
}

/**
 * A path made absolute against `cwd`, with `.` and `..` segments resolved
 * (Deno compares permission paths after the same normalisation).
 */
export function absolute(path: string, cwd: string): string {
  const joined = path.startsWith("/") ? path : `${cwd}/${path}`;
  const out: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}
