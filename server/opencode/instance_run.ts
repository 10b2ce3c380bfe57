/**
 * One supervised run of an instance, as the restart loop sees it: the state
 * transitions around a {@linkcode ChildRun} (`starting` with a fresh error
 * or a counted restart, the pid, `running` with its port) and the
 * {@linkcode RunOutcome} with a `last_error` that says what happened and
 * shows the child's last output.
 *
 * @module
 */
import { abortPromise } from "../clock.ts";
import type { InstancePatch } from "../db/instance_store.ts";
import { log } from "../log.ts";
import { ChildRun, type ChildRunOptions } from "./child_run.ts";
import type { InstanceRegistry, Managed } from "./instance_registry.ts";
import type { ResolvedBinary } from "./opencode_binary.ts";
import { INSTANCE_MARKER_ENV } from "./reaper.ts";
import type { FailedRun, RunOutcome } from "./restart_loop.ts";
import type { ChildExit } from "./spawn.ts";

/** What every run of every instance shares. */
export interface InstanceRunDeps extends
  Omit<
    ChildRunOptions,
    "instanceId" | "dir" | "binary" | "env" | "password" | "logs"
  > {
  registry: InstanceRegistry;
  /** Resolves the OpenCode binary; a thrown error's message becomes `last_error`. */
  binary: () => ResolvedBinary;
  /** Extra environment for every child. */
  childEnv: Readonly<Record<string, string>>;
  /** Passed as `OPENCODE_CONFIG`. */
  opencodeConfigPath: string | undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeExit(exit: ChildExit): string {
  return exit.signal
    ? `exit code ${exit.code}, signal ${exit.signal}`
    : `exit code ${exit.code}`;
}

function randomPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function failed(
  message: string,
  retryable = false,
  exitCode: number | null = null,
  runningSince: number | null = null,
): FailedRun {
  return { kind: "failed", message, exitCode, runningSince, retryable };
}

/** The `last_error` for a child that could not be spawned, with the fix. */
export function spawnFailureMessage(error: unknown): string {
  const reason = errorMessage(error);
  if (
    error instanceof Deno.errors.NotCapable ||
    (error instanceof Error && error.cause instanceof Deno.errors.NotCapable) ||
    /Requires run access/.test(reason)
  ) {
    return `Cannot start instance as the binary cannot be run: ${reason}. Flock may only run the binaries it was granted when it started (the OpenCode that --opencode, FLOCK_OPENCODE, PATH or the pinned copy gave then): restart it with deno task start so that it grants this one, or add its path to --allow-run on its deno run line`;
  }
  return `Cannot start instance as the binary cannot be run: ${reason}. Check the working directory exists, run \`deno install\`, or pass --opencode /path/to/opencode`;
}

/**
 * Runs `m` once, from `starting` to the end of its child.
 *
 * @param restart true when the restart loop retries after a failure.
 */
export async function runInstanceOnce(
  m: Managed,
  restart: boolean,
  deps: InstanceRunDeps,
): Promise<RunOutcome> {
  const { registry } = deps;
  const patch: InstancePatch = { pid: null, port: null };
  if (restart) {
    const row = registry.store.get(m.id);
    patch.restart_count = (row?.restart_count ?? 0) + 1;
  } else {
    patch.exit_code = null;
    patch.last_error = null;
  }
  if (m.status === "starting") registry.patch(m, patch);
  else if (!registry.transition(m, "start", patch)) {
    return failed(
      `Cannot start instance as it is ${m.status}, not stopped or error`,
    );
  }
  if (!m.wanted) return { kind: "stopped" };

  let binary: ResolvedBinary;
  try {
    binary = deps.binary();
  } catch (error) {
    return failed(
      `Cannot start instance as the binary is missing: ${errorMessage(error)}`,
    );
  }
  const password = randomPassword();
  const env: Record<string, string> = { ...deps.childEnv };
  if (deps.opencodeConfigPath !== undefined) {
    env.OPENCODE_CONFIG = deps.opencodeConfigPath;
  }
  env.OPENCODE_SERVER_USERNAME = "opencode";
  env.OPENCODE_SERVER_PASSWORD = password;
  env[INSTANCE_MARKER_ENV] = m.id;
  const {
    registry: _registry,
    binary: _binary,
    childEnv: _childEnv,
    opencodeConfigPath: _config,
    ...shared
  } = deps;
  let run: ChildRun;
  try {
    run = ChildRun.spawn({
      ...shared,
      instanceId: m.id,
      dir: m.dir,
      binary,
      env,
      password,
      logs: m.logs,
    });
  } catch (error) {
    return failed(spawnFailureMessage(error));
  }
  m.run = run;
  log.info(
    `Instance ${m.id}: started ${binary.path} (${binary.source}) pid ${run.pid} in ${m.dir}`,
  );
  registry.patch(m, { pid: run.pid });
  try {
    return await superviseChild(m, run, deps);
  } finally {
    await run.terminate({ abortSessions: false });
    if (m.run === run) m.run = null;
  }
}

async function superviseChild(
  m: Managed,
  run: ChildRun,
  deps: InstanceRunDeps,
): Promise<RunOutcome> {
  const { registry, clock } = deps;
  const ready = await run.waitReady(m.stopCtl.signal);
  if (!m.wanted) return { kind: "stopped" };
  if (ready.kind === "failed") {
    // Read before terminating: after it, every child has exited.
    const exit = run.exited;
    await run.terminate({ abortSessions: false });
    const output = m.logs.tail(20);
    return failed(
      `${ready.message}${exit ? ` (${describeExit(exit)})` : ""}.${
        output ? `\nLast output:\n${output}` : " It printed nothing."
      }`,
      exit !== null,
      exit?.code ?? null,
    );
  }
  const runningSince = clock.now();
  registry.transition(m, "ready", { pid: run.pid, port: ready.port });
  if (!m.wanted) return { kind: "stopped" };
  log.info(`Instance ${m.id}: running at ${ready.client.baseUrl}`);

  using stopped = abortPromise(m.stopCtl.signal);
  const end = await Promise.race([
    run.watch(ready.client),
    stopped.promise.then(() => ({ kind: "stop" as const })),
  ]);
  if (end.kind === "stop" || !m.wanted) return { kind: "stopped" };
  await run.terminate({ abortSessions: false });
  if (!m.wanted) return { kind: "stopped" };
  const output = m.logs.tail(20);
  const message = end.kind === "exit"
    ? `OpenCode exited unexpectedly (${describeExit(end.exit)})`
    : `OpenCode stopped answering health checks (${end.why}); it was killed`;
  return failed(
    `${message}.${output ? `\nLast output:\n${output}` : ""}`,
    true,
    run.exited?.code ?? null,
    runningSince,
  );
}
