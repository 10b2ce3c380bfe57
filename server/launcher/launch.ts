/**
 * The launcher: parses Flock's flags with the same `parseConfig`, works out
 * what those flags need ({@linkcode resolveLaunchNeeds}), turns that into
 * the narrowest permission flags ({@linkcode narrowGrants}) and runs
 * `deno run <those flags> <entry> <args>` as a child that it stands in for
 * ({@linkcode runChild}). `--help`, `--version` and a bad flag are answered
 * here, without a child.
 *
 * Without permission to run Deno again, a process that already holds every
 * grant (e.g. `deno run -A`, or a hand-written line with the right flags)
 * serves in-process instead; anything else gets one line naming the flag to
 * add.
 *
 * @module
 */
import { print, readCommandLine, readEnv } from "../command_line.ts";
import {
  isExecutableFile,
  pinnedOpenCodePath,
  splitPath,
} from "../opencode/opencode_binary.ts";
import { runChild } from "./child.ts";
import {
  firstMissingGrant,
  GrantError,
  grantFlags,
  type GrantQuery,
  type Grants,
  narrowGrants,
} from "./grants.ts";
import { startedByTaskRunner } from "./parent_watch.ts";
import {
  type LaunchContributor,
  type LaunchFacts,
  resolveLaunchNeeds,
} from "./needs.ts";

/** The first argument that tells the entry module it is the launched Flock. */
export const LAUNCHED_CHILD_ARG = "--launched-child";

/** Options for {@linkcode launch}. */
export interface LaunchOptions {
  /** Flock's command line (as the user typed it). */
  args: readonly string[];
  /**
   * The module the child runs (a `file:` URL); it must hand
   * {@linkcode LAUNCHED_CHILD_ARG} runs to `main` (see `server/cli.ts`).
   */
  entry: string;
  /** `deno run` flags for the child before the permissions (e.g. `--watch`). */
  denoFlags?: readonly string[];
  /** Defaults to `DEFAULT_CONTRIBUTORS` (`needs.ts`). */
  contributors?: readonly LaunchContributor[];
  /**
   * Runs Flock in this process (used when it cannot start Deno again but
   * already holds every grant). Returns the exit code.
   */
  serveInProcess: (args: readonly string[]) => Promise<number>;
}

/** The `deno run` argument list for the launched Flock. */
export function childArgs(options: {
  grants: Grants;
  entry: string;
  args: readonly string[];
  denoFlags?: readonly string[];
}): string[] {
  return [
    "run",
    ...(options.denoFlags ?? []),
    "--unstable-raw-imports",
    ...grantFlags(options.grants),
    options.entry,
    LAUNCHED_CHILD_ARG,
    ...options.args,
  ];
}

/**
 * The machine as a launcher sees it: the file system as it is, with an
 * environment and a cwd (by default this process's).
 */
export function launchFacts(
  env: (name: string) => string | undefined = readEnv,
  cwd: string = Deno.cwd(),
): LaunchFacts {
  return {
    cwd,
    env,
    pathDirs: splitPath(env("PATH")),
    isExecutable: isExecutableFile,
    pinnedOpenCode: pinnedOpenCodePath(),
  };
}

function isGranted(query: GrantQuery): boolean {
  return Deno.permissions.querySync(query).state === "granted";
}

/** Launches Flock; returns the exit code for the launcher to exit with. */
export async function launch(options: LaunchOptions): Promise<number> {
  const parsed = readCommandLine(options.args);
  if (parsed.kind === "exit") return parsed.code;
  let grants: Grants;
  try {
    grants = narrowGrants(
      resolveLaunchNeeds(parsed.config, launchFacts(), options.contributors),
    );
  } catch (error) {
    if (error instanceof GrantError) {
      print("stderr", `flock: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const deno = Deno.execPath();
  if (isGranted({ name: "run", command: deno })) {
    return await runChild({
      command: deno,
      args: childArgs({
        grants,
        entry: options.entry,
        args: options.args,
        denoFlags: options.denoFlags,
      }),
      parent: startedByTaskRunner(readEnv)
        ? { parentPid: () => Deno.ppid }
        : undefined,
    });
  }
  const missing = firstMissingGrant(grants, isGranted);
  if (missing === undefined) return await options.serveInProcess(options.args);
  print(
    "stderr",
    `flock: Cannot start Flock as this process may not start Deno again with narrowed permissions and lacks ${missing}: add --allow-run=${deno} to the deno run line (Flock then re-runs itself with only what its flags need), or use deno task start`,
  );
  return 1;
}
