/**
 * Flock's side of the process helper's wire format: the command that starts
 * it and checks of what it prints (the helper is another program, so its
 * output is read as `unknown` and validated).
 *
 * @module
 */
import type { SpawnOptions } from "../opencode/spawn.ts";
import HELPER_SOURCE from "./proc_helper.ts" with { type: "text" };
import MAIN_SOURCE from "./proc_helper_main.ts" with { type: "text" };
import PROCFS_SOURCE from "./procfs.ts" with { type: "text" };
import type { HelperResults, KillResult } from "./proc_helper.ts";
import type { ProcessInfo } from "./procfs.ts";

/** Every helper process carries `FLOCK_PROCESS_HELPER=1` (tests count them by it). */
export const HELPER_MARKER_ENV = "FLOCK_PROCESS_HELPER";

/** The helper could not run, or answered something unexpected. */
export class ProcessHelperError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProcessHelperError";
  }
}

/**
 * How to start the helper through `binary` (the OpenCode binary, a Bun
 * single-file executable): its entry module's text as `-e`, the two modules
 * it loads as one JSON argv entry. Nothing is interpolated into code.
 */
export function helperCommand(binary: string): SpawnOptions {
  return {
    command: binary,
    args: [
      "-e",
      MAIN_SOURCE,
      JSON.stringify({ procfs: PROCFS_SOURCE, helper: HELPER_SOURCE }),
    ],
    env: { BUN_BE_BUN: "1", [HELPER_MARKER_ENV]: "1" },
    stdin: "piped",
    // Its own session: a terminal's Ctrl+C must not kill it mid-shutdown.
    // It exits when its stdin closes, so it never outlives Flock.
    detached: true,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isInt(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value);
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

function isStringMap(value: unknown): value is Record<string, string> {
  return isRecord(value) &&
    Object.values(value).every((v) => typeof v === "string");
}

function bad(what: string, value: unknown): ProcessHelperError {
  return new ProcessHelperError(
    `Cannot read the process helper's ${what}: ${
      JSON.stringify(value)?.slice(0, 300)
    }`,
  );
}

function toProcessInfo(value: unknown): ProcessInfo {
  if (
    !isRecord(value) || !isInt(value.pid) || !isInt(value.ppid) ||
    !isInt(value.pgid) || !isInt(value.sid) || !isInt(value.start) ||
    typeof value.state !== "string" || !isStrings(value.cmdline) ||
    !isStringMap(value.env) ||
    !(value.rssBytes === undefined || value.rssBytes === null ||
      isInt(value.rssBytes))
  ) {
    throw bad("process entry", value);
  }
  const { pid, ppid, pgid, sid, start, state, cmdline, env, rssBytes } = value;
  const info: ProcessInfo = {
    pid,
    ppid,
    pgid,
    sid,
    start,
    state,
    cmdline,
    env,
  };
  if (rssBytes !== undefined) info.rssBytes = rssBytes;
  return info;
}

function toProcesses(value: unknown): { processes: ProcessInfo[] } {
  if (!isRecord(value) || !Array.isArray(value.processes)) {
    throw bad("process list", value);
  }
  return { processes: value.processes.map(toProcessInfo) };
}

function toKillResult(value: unknown): KillResult {
  if (!isRecord(value)) throw bad("kill result", value);
  const { signalled, forced, survivors } = value;
  const ints = (v: unknown): v is number[] =>
    Array.isArray(v) && v.every(isInt);
  if (!ints(signalled) || !ints(forced) || !ints(survivors)) {
    throw bad("kill result", value);
  }
  return { signalled, forced, survivors };
}

/** Checks a result of `op`. @throws {ProcessHelperError} */
export function parseResult<K extends keyof HelperResults>(
  op: K,
  value: unknown,
): HelperResults[K];
export function parseResult(
  op: keyof HelperResults,
  value: unknown,
): HelperResults[keyof HelperResults] {
  return op === "kill" ? toKillResult(value) : toProcesses(value);
}

/** One line the helper printed. */
export type HelperLine =
  | { kind: "ready"; pid: number }
  | { kind: "answer"; id: number; ok: true; result: unknown }
  | { kind: "answer"; id: number; ok: false; error: string };

/** Reads one output line. @throws {ProcessHelperError} when it is not the protocol. */
export function parseLine(line: string): HelperLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ProcessHelperError(
      `Cannot read the process helper's output as it is not JSON: ${
        line.slice(0, 300)
      }`,
    );
  }
  if (!isRecord(value)) throw bad("output", value);
  if (value.ready === true && isInt(value.pid)) {
    return { kind: "ready", pid: value.pid };
  }
  if (!isInt(value.id)) throw bad("output", value);
  if (value.ok === true) {
    return { kind: "answer", id: value.id, ok: true, result: value.result };
  }
  return {
    kind: "answer",
    id: value.id,
    ok: false,
    error: String(value.error),
  };
}
