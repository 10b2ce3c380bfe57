/**
 * Reading Flock's command line in a process: the environment as far as it
 * is permitted, and the answers that need no server (`--help`, `--version`,
 * a bad flag). Shared by `main` and the launcher, so both answer the same.
 *
 * @module
 */
import {
  type Config,
  type ConfigEnv,
  parseConfig,
  USAGE,
  UsageError,
} from "./config.ts";

/** Reads an environment variable; undefined when unset or not permitted. */
export function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** The process's environment for `parseConfig`, without failing on a variable that is not permitted. */
export function processEnv(): ConfigEnv {
  return { os: Deno.build.os, get: readEnv };
}

/** Writes one line (a newline is added when missing). */
export function print(stream: "stdout" | "stderr", text: string): void {
  (stream === "stdout" ? Deno.stdout : Deno.stderr).writeSync(
    new TextEncoder().encode(text.endsWith("\n") ? text : `${text}\n`),
  );
}

/**
 * Parses the command line. `--help` and `--version` are printed (exit 0), a
 * bad flag is printed with the usage (exit 2); otherwise the config.
 */
export function readCommandLine(
  args: readonly string[],
): { kind: "run"; config: Config } | { kind: "exit"; code: number } {
  let parsed;
  try {
    parsed = parseConfig(args, processEnv());
  } catch (error) {
    if (error instanceof UsageError) {
      print("stderr", `flock: ${error.message}\n\n${USAGE}`);
      return { kind: "exit", code: 2 };
    }
    throw error;
  }
  if (parsed.kind !== "run") {
    print("stdout", parsed.text);
    return { kind: "exit", code: 0 };
  }
  return parsed;
}
