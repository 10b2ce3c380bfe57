/**
 * Command-line parsing: `parseConfig(args, env)` turns flags and environment
 * into a validated {@linkcode Config}. Pure: no I/O, no globals.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { VERSION } from "./version.ts";

/** Flock's validated configuration. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  dbPath: string;
  /** `--opencode`: an explicit OpenCode binary path, if given. */
  opencode: string | undefined;
  /** `--opencode-config`: a config file passed to every child as OPENCODE_CONFIG. */
  opencodeConfig: string | undefined;
  /** `--token` or FLOCK_TOKEN; "generate" is replaced by a fresh token by the caller. */
  token: string | undefined;
  /** Whether `--token generate` was asked for. */
  generateToken: boolean;
  /** `--allowed-host`: extra Host header names accepted besides Flock's own. */
  allowedHosts: string[];
  /** `--root`: directories instances must stay inside (empty = anywhere). */
  roots: string[];
  /** `--event-buffer`: how many recent events the SSE resume ring keeps. */
  eventBuffer: number;
  /** `--idle-timeout`: seconds without activity before an instance hibernates (0: never). */
  idleTimeoutS: number;
  /** `--max-instance-memory` in bytes: an idle instance over it is restarted (null: no ceiling). */
  maxInstanceMemoryBytes: number | null;
  /**
   * `--remote-host`: hosts of remote OpenCode servers Flock may connect to
   * (`--allow-net` syntax: `host`, `host:port`, `[v6]:port`), besides those of
   * the remote instances already recorded in the database.
   */
  remoteHosts: string[];
}

/** What the command line asks for. */
export type ParsedCommand =
  | { kind: "run"; config: Config }
  | { kind: "help"; text: string }
  | { kind: "version"; text: string };

/** A bad flag or value; the CLI prints the message plus usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The environment and platform facts the defaults depend on. */
export interface ConfigEnv {
  get(name: string): string | undefined;
  os: typeof Deno.build.os;
}

/** The usage text printed by `--help` and after a usage error. */
export const USAGE = `Usage: flock [options]

Flock runs several OpenCode agents, one per project directory, and serves a
web app and a REST API to drive them.

Options:
  --port <n>              Port to listen on (default 8080; 0 picks a free one)
  --host <addr>           Address to bind (default 127.0.0.1); a non-loopback
                          address needs --token
  --data-dir <dir>        Where Flock keeps its data (default: the platform
                          data dir, e.g. $XDG_DATA_HOME/flock)
  --db <file>             SQLite database (default <data-dir>/flock.db)
  --opencode <path>       OpenCode binary (default: $FLOCK_OPENCODE, then
                          opencode on PATH, then the pinned copy)
  --opencode-config <f>   Extra OpenCode config file for every child
  --token <t|generate>    Require this bearer token on /api/ ($FLOCK_TOKEN);
                          "generate" makes and prints one
  --allowed-host <name>   Also accept this Host header (repeatable)
  --root <dir>            Instances must live inside this dir (repeatable)
  --event-buffer <n>      Events kept for SSE resume (default 10000)
  --idle-timeout <s>      Seconds without activity before an instance
                          hibernates (its OpenCode stops; the next request
                          wakes it); 0 never (default 900)
  --max-instance-memory <MiB>
                          Restart an idle instance whose OpenCode and its
                          descendants use more memory (default: no limit)
  --remote-host <h:port>  Allow connecting to a remote OpenCode server there
                          (repeatable; recorded remote instances are allowed
                          at every start anyway)
  -h, --help              Show this help
  -V, --version           Show the version`;

const OPTIONS = {
  port: { type: "string" },
  host: { type: "string" },
  "data-dir": { type: "string" },
  db: { type: "string" },
  opencode: { type: "string" },
  "opencode-config": { type: "string" },
  token: { type: "string" },
  "allowed-host": { type: "string", multiple: true },
  root: { type: "string", multiple: true },
  "event-buffer": { type: "string" },
  "idle-timeout": { type: "string" },
  "max-instance-memory": { type: "string" },
  "remote-host": { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

/**
 * Parses Flock's command line.
 *
 * @throws {UsageError} on an unknown flag, a missing value or a bad value.
 */
export function parseConfig(
  args: readonly string[],
  env: ConfigEnv,
): ParsedCommand {
  let values;
  // `deno task start -- --port 1` passes the "--" through; accept that habit.
  const rest = args[0] === "--" ? args.slice(1) : [...args];
  try {
    ({ values } = parseArgs({
      args: rest,
      options: OPTIONS,
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(
      error instanceof Error ? firstLine(error.message) : String(error),
    );
  }
  if (values.help) return { kind: "help", text: USAGE };
  if (values.version) return { kind: "version", text: `flock ${VERSION}` };

  const port = parseInteger("--port", values.port ?? "8080", 0, 65535);
  const host = nonEmpty("--host", values.host ?? "127.0.0.1");
  const dataDir = nonEmpty(
    "--data-dir",
    values["data-dir"] ?? defaultDataDir(env),
  );
  const dbPath = nonEmpty("--db", values.db ?? joinPath(dataDir, "flock.db"));
  const tokenFlag = values.token ?? env.get("FLOCK_TOKEN");
  const generateToken = tokenFlag === "generate";
  let token: string | undefined;
  if (tokenFlag !== undefined && !generateToken) {
    if (tokenFlag.length < 16 || /\s/.test(tokenFlag)) {
      throw new UsageError(
        "Invalid value for --token: use at least 16 characters without spaces, or --token generate",
      );
    }
    token = tokenFlag;
  }
  const eventBuffer = parseInteger(
    "--event-buffer",
    values["event-buffer"] ?? "10000",
    1,
    10_000_000,
  );
  const idleTimeoutS = parseInteger(
    "--idle-timeout",
    values["idle-timeout"] ?? "900",
    0,
    30 * 24 * 3600,
  );
  const maxMemory = values["max-instance-memory"];
  const maxInstanceMemoryBytes = maxMemory === undefined
    ? null
    : parseInteger("--max-instance-memory", maxMemory, 1, 1024 * 1024) *
      1024 * 1024;
  const remoteHosts = (values["remote-host"] ?? []).map(parseRemoteHost);
  const roots = (values.root ?? []).map((r) => {
    if (!isAbsolute(r)) {
      throw new UsageError(
        `Invalid value for --root: not an absolute path: ${r}`,
      );
    }
    return r;
  });
  return {
    kind: "run",
    config: {
      port,
      host,
      dataDir,
      dbPath,
      opencode: optionalNonEmpty("--opencode", values.opencode),
      opencodeConfig: optionalNonEmpty(
        "--opencode-config",
        values["opencode-config"],
      ),
      token,
      generateToken,
      allowedHosts: (values["allowed-host"] ?? []).map((h) =>
        nonEmpty("--allowed-host", h).toLowerCase()
      ),
      roots,
      eventBuffer,
      idleTimeoutS,
      maxInstanceMemoryBytes,
      remoteHosts,
    },
  };
}

/**
 * A `--remote-host` value as `--allow-net` writes it: `host`, `host:port`,
 * `1.2.3.4:port` or `[v6]:port`, lower-cased.
 *
 * @throws {UsageError}
 */
function parseRemoteHost(raw: string): string {
  const value = raw.trim().toLowerCase();
  const name = "[a-z0-9]([a-z0-9.-]*[a-z0-9])?";
  const v6 = "\\[[0-9a-f:.]+\\]";
  const pattern = new RegExp(`^(${name}|${v6})(:\\d{1,5})?$`);
  const port = Number(value.match(/:(\d{1,5})$/)?.[1] ?? "1");
  if (!pattern.test(value) || port < 1 || port > 65535) {
    throw new UsageError(
      `Invalid value for --remote-host: expected host or host:port (e.g. box.lan:4096 or [fe80::1]:4096), got ${raw}`,
    );
  }
  return value;
}

/**
 * The platform's default data directory for Flock.
 *
 * @example
 * defaultDataDir({ os: "linux", get: (n) => ({ HOME: "/home/a" })[n] }); // "/home/a/.local/share/flock"
 */
export function defaultDataDir(env: ConfigEnv): string {
  const home = env.get("HOME") ?? env.get("USERPROFILE") ?? ".";
  switch (env.os) {
    case "darwin":
      return joinPath(home, "Library", "Application Support", "flock");
    case "windows":
      return joinPath(env.get("APPDATA") ?? home, "flock");
    default: {
      const xdg = env.get("XDG_DATA_HOME");
      return joinPath(
        xdg && isAbsolute(xdg) ? xdg : joinPath(home, ".local", "share"),
        "flock",
      );
    }
  }
}

function parseInteger(
  flag: string,
  raw: string,
  min: number,
  max: number,
): number {
  if (!/^\d+$/.test(raw.trim())) {
    throw new UsageError(`Invalid value for ${flag}: not an integer: ${raw}`);
  }
  const n = Number(raw.trim());
  if (n < min || n > max) {
    throw new UsageError(
      `Invalid value for ${flag}: ${raw} is outside ${min}-${max}`,
    );
  }
  return n;
}

function nonEmpty(flag: string, raw: string): string {
  if (raw.trim() === "") {
    throw new UsageError(`Invalid value for ${flag}: it is empty`);
  }
  return raw;
}

function optionalNonEmpty(
  flag: string,
  raw: string | undefined,
): string | undefined {
  return raw === undefined ? undefined : nonEmpty(flag, raw);
}

function isAbsolute(path: string): boolean {
  return path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path);
}

function joinPath(...parts: string[]): string {
  return parts.join("/").replace(/\/+/g, "/");
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}
