/**
 * The permissions each way of running Flock gets, computed as values. Pure:
 * no I/O, no globals, so every flag's effect is unit-tested
 * (`grants_test.ts`).
 *
 * - {@linkcode narrowGrants}: what the launcher gives the Flock it starts
 *   (`deno task start`, the bundle): write only to the data dir (and the
 *   database's dir), run only the resolved binaries, the network only on
 *   loopback plus the bind address and any declared outbound host, an
 *   explicit environment list, and read everywhere.
 * - {@linkcode LAUNCHER_FLAGS}: what the launcher itself needs to compute
 *   that and start Deno again.
 * - {@linkcode COMPILED_FLAGS}: what `deno compile` bakes into `dist/flock`,
 *   which cannot narrow itself at run time.
 *
 * @module
 */

/** The names Flock always listens on and reaches its children by (any port). */
export const LOOPBACK_HOSTS: readonly string[] = [
  "127.0.0.1",
  "localhost",
  "[::1]",
];

/**
 * Every environment variable Flock reads (its children still inherit the
 * whole environment: Deno's env permission only gates `Deno.env`). A module
 * that reads a new variable adds it here; `grants_test.ts` fails when a
 * `Deno.env.get("…")` in `server/` names one that is missing. Libraries
 * count too: `npm:yaml` (workflow specs) reads its debug switches
 * `LOG_TOKENS` and `LOG_STREAM` on every parse, and an unlisted variable
 * makes that read throw. `INIT_CWD` tells the launcher that a task runner
 * started it (`parent_watch.ts`).
 */
export const FLOCK_ENV_VARS: readonly string[] = [
  "HOME",
  "XDG_DATA_HOME",
  "USERPROFILE",
  "APPDATA",
  "PATH",
  "FLOCK_TOKEN",
  "FLOCK_OPENCODE",
  "LOG_TOKENS",
  "LOG_STREAM",
  "INIT_CWD",
];

/** What one run of Flock needs, resolved from its flags (`needs.ts`). */
export interface LaunchNeeds {
  /** `--data-dir`, absolute. */
  dataDir: string;
  /** `--db`, absolute, or `:memory:`. */
  dbPath: string;
  /** `--host`, as given (a name, an IPv4 or an IPv6 address, with or without brackets). */
  host: string;
  /** `--port` (0: any free port). */
  port: number;
  /** Absolute paths of every executable Flock may start (OpenCode, git, …). */
  run: readonly string[];
  /**
   * Hosts Flock may connect to besides loopback, in Deno's `--allow-net`
   * syntax: `name`, `name:port`, `1.2.3.4[:port]`, `[v6][:port]`. Empty
   * today; the remote OpenCode servers feature supplies them.
   */
  outboundHosts: readonly string[];
  /** Absolute paths Flock may write besides the data dir and the database's dir. */
  write: readonly string[];
  /** Environment variables to read besides {@linkcode FLOCK_ENV_VARS}. */
  env: readonly string[];
}

/** A permission set as lists (read is always everywhere: see AGENTS.md). */
export interface Grants {
  read: "all";
  write: string[];
  run: string[];
  net: string[];
  env: string[];
}

/** A need that Deno's permission flags cannot express (a comma in a path). */
export class GrantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GrantError";
  }
}

/**
 * The narrowest grants that let Flock do everything its flags ask for.
 *
 * @throws {GrantError} when an entry contains a comma (Deno's flag lists
 *   are comma-separated and have no escape).
 * @example
 * ```ts
 * narrowGrants({
 *   dataDir: "/d", dbPath: "/d/flock.db", host: "127.0.0.1", port: 8080,
 *   run: ["/usr/bin/opencode"], outboundHosts: [], write: [], env: [],
 * }).write; // ["/d"]
 * ```
 */
export function narrowGrants(needs: LaunchNeeds): Grants {
  const write = outermost([
    needs.dataDir,
    ...(needs.dbPath === ":memory:" ? [] : [dirname(needs.dbPath)]),
    ...needs.write,
  ]);
  const grants: Grants = {
    read: "all",
    write,
    run: unique(needs.run),
    net: unique([
      ...LOOPBACK_HOSTS,
      ...bindHostEntry(needs.host, needs.port),
      ...needs.outboundHosts,
    ]),
    env: unique([...FLOCK_ENV_VARS, ...needs.env]),
  };
  for (const [kind, list] of Object.entries(grants)) {
    if (!Array.isArray(list)) continue;
    const bad = list.find((entry: string) => entry.includes(","));
    if (bad !== undefined) {
      throw new GrantError(
        `Cannot grant ${kind} access to ${bad} as it contains a comma, which Deno's permission flags cannot express: choose a path or name without a comma`,
      );
    }
  }
  return grants;
}

/**
 * The `deno run` permission flags for a grant set, `--no-prompt` first (a
 * missing permission is an error, never a question on the terminal). An
 * empty run list gives no `--allow-run` at all.
 */
export function grantFlags(grants: Grants): string[] {
  const flags = ["--no-prompt", "--allow-read"];
  const list = (flag: string, values: readonly string[]) => {
    if (values.length > 0) flags.push(`${flag}=${values.join(",")}`);
  };
  list("--allow-write", grants.write);
  list("--allow-run", grants.run);
  list("--allow-net", grants.net);
  list("--allow-env", grants.env);
  return flags;
}

/**
 * The launcher's own flags (the `serve` task's, and the bundle's documented
 * line): read (to resolve paths and binaries), the environment list, and
 * run for exactly one program, the running Deno (`Deno.execPath()`, which
 * `deno task` yields through `$(deno eval 'console.log(Deno.execPath())')`).
 */
export function launcherFlags(denoPath: string): string[] {
  return [
    "--no-prompt",
    "--allow-read",
    `--allow-env=${FLOCK_ENV_VARS.join(",")}`,
    `--allow-run=${denoPath}`,
  ];
}

/**
 * The flags `deno compile` bakes into `dist/flock`. A compiled binary cannot
 * re-run itself with other permissions, and the data dir, the OpenCode
 * binary and the bind address are only known on the user's machine, so
 * write, run and net are unscoped; read is everywhere as in every way to
 * run; the environment stays an explicit list. Nothing here names the
 * builder's HOME or checkout.
 */
export const COMPILED_FLAGS: readonly string[] = [
  "--no-prompt",
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-net",
  `--allow-env=${FLOCK_ENV_VARS.join(",")}`,
];

/**
 * The end of a message about a permission Flock lacks: how to get it.
 *
 * @param flag The `deno run` flag that grants it, e.g. `--allow-write=/d`.
 * @example
 * ```ts
 * `Cannot create /d as Flock lacks write permission for it: ${permissionFix("--allow-write=/d")}`;
 * ```
 */
export function permissionFix(flag: string): string {
  return `start Flock with deno task start (it grants what its flags need), or add ${flag} to its deno run line`;
}

/** Whether an error (or its cause) is Deno refusing a permission. */
export function lacksPermission(error: unknown): boolean {
  return error instanceof Deno.errors.NotCapable ||
    (error instanceof Error && error.cause instanceof Deno.errors.NotCapable);
}

/**
 * A host as `--allow-net` writes it: IPv6 in brackets, other names as given.
 *
 * @example
 * ```ts
 * netHost("fe80::1"); // "[fe80::1]"
 * ```
 */
export function netHost(host: string): string {
  const bare = host.trim().replace(/^\[(.*)\]$/, "$1");
  return bare.includes(":") ? `[${bare.toLowerCase()}]` : bare;
}

/** One permission to check with `Deno.permissions.querySync`. */
export type GrantQuery =
  | { name: "read" }
  | { name: "write"; path: string }
  | { name: "run"; command: string }
  | { name: "net"; host: string }
  | { name: "env"; variable: string };

/**
 * Every single permission a grant set consists of, in flag order, each with
 * the flag that would give it.
 */
export function grantQueries(
  grants: Grants,
): { query: GrantQuery; flag: string }[] {
  return [
    { query: { name: "read" }, flag: "--allow-read" },
    ...grants.write.map((path) => ({
      query: { name: "write", path } as const,
      flag: `--allow-write=${path}`,
    })),
    ...grants.run.map((command) => ({
      query: { name: "run", command } as const,
      flag: `--allow-run=${command}`,
    })),
    ...grants.net.map((host) => ({
      query: { name: "net", host } as const,
      flag: `--allow-net=${host}`,
    })),
    ...grants.env.map((variable) => ({
      query: { name: "env", variable } as const,
      flag: `--allow-env=${variable}`,
    })),
  ];
}

/**
 * The flag of the first permission in `grants` that `isGranted` denies, or
 * undefined when the process already holds them all.
 */
export function firstMissingGrant(
  grants: Grants,
  isGranted: (query: GrantQuery) => boolean,
): string | undefined {
  return grantQueries(grants).find((g) => !isGranted(g.query))?.flag;
}

/**
 * The `--allow-net` entry for the bind address: none for a loopback name
 * Flock always has, else the host with its port (any port when `--port 0`).
 * IPv6 gets brackets, as Deno's flag syntax wants.
 */
function bindHostEntry(host: string, port: number): string[] {
  const entry = netHost(host);
  if (LOOPBACK_HOSTS.includes(entry.toLowerCase())) return [];
  return [port === 0 ? entry : `${entry}:${port}`];
}

/** The directory part of an absolute path (`/a/b` → `/a`, `/a` → `/`). */
function dirname(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  const at = trimmed.lastIndexOf("/");
  return at <= 0 ? "/" : trimmed.slice(0, at);
}

/** The entries, deduplicated, minus any that lie inside another one. */
function outermost(paths: readonly string[]): string[] {
  const clean = unique(
    paths.map((p) => p === "/" ? p : p.replace(/\/+$/, "")),
  );
  return clean.filter((p) =>
    !clean.some((other) =>
      other !== p && (other === "/" || p.startsWith(`${other}/`))
    )
  );
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values.filter((v) => v !== ""))];
}
