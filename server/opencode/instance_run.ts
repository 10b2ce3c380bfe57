/**
 * One supervised run of an instance, as the restart loop sees it: the state
 * transitions around a {@linkcode ChildRun} (`starting` with a fresh error
 * or a counted restart, the pid, `running` with its port) or, for a remote
 * instance, a {@linkcode RemoteRun}, and the {@linkcode RunOutcome} with a
 * `last_error` that says what happened and shows the child's last output.
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
import { RemoteRun } from "./remote_run.ts";
import type { RestartPolicy } from "./backoff.ts";
import {
  type FailedRun,
  restartLoop,
  type RunOutcome,
} from "./restart_loop.ts";
import type { ChildExit } from "./spawn.ts";

/** What every run of every instance shares. */
export interface InstanceRunDeps extends
  Omit<
    ChildRunOptions,
    "instanceId" | "dir" | "binary" | "env" | "password" | "logs" | "busy"
  > {
  registry: InstanceRegistry;
  /** Whether a session of the instance is busy now (health threshold). */
  isBusy: (instanceId: string) => boolean;
  /** Resolves the OpenCode binary; a thrown error's message becomes `last_error`. */
  binary: () => ResolvedBinary;
  /** Extra environment for every child. */
  childEnv: Readonly<Record<string, string>>;
  /** Passed as `OPENCODE_CONFIG`. */
  opencodeConfigPath: string | undefined;
  /** Restarts after failures (a remote server: without a limit). */
  policy: RestartPolicy;
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
 * Supervises `m` until it is stopped, a failure is final, or the restart
 * policy gives up. A wake does not retry a failure before it was ready
 * (the requests waiting on it get the reason); a remote server is tried
 * again for as long as it is attached.
 */
export function superviseInstance(
  m: Managed,
  wake: boolean,
  deps: InstanceRunDeps,
): Promise<void> {
  const { registry, clock, policy } = deps;
  return restartLoop({
    runOnce: (restart) => runInstanceOnce(m, restart, deps),
    onFailure: (outcome, decision) => {
      const message = wake && outcome.runningSince === null
        ? `Cannot wake instance: ${outcome.message}`
        : outcome.message;
      registry.transition(m, "fail", {
        pid: null,
        port: null,
        exit_code: outcome.exitCode,
        hibernated_at: null,
        last_error: message + decision.note,
      });
    },
    wanted: () => m.wanted,
    signal: m.stopCtl.signal,
    clock,
    policy: m.kind === "remote"
      ? { ...policy, maxAttempts: Number.POSITIVE_INFINITY }
      : policy,
    random: deps.random,
    finalBeforeReady: wake,
  });
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
  const refused = beginRun(m, restart, deps);
  if (refused) return refused;
  return m.kind === "remote"
    ? await runRemoteOnce(m, deps)
    : await runLocalOnce(m, deps);
}

/** `starting`, with a fresh error or a counted restart; an outcome when refused. */
function beginRun(
  m: Managed,
  restart: boolean,
  deps: InstanceRunDeps,
): RunOutcome | null {
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
      `Cannot start instance as it is ${m.status}, not stopped, hibernated or error`,
    );
  }
  if (!m.wanted) return { kind: "stopped" };
  return null;
}

async function runLocalOnce(
  m: Managed,
  deps: InstanceRunDeps,
): Promise<RunOutcome> {
  const { registry } = deps;
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
    policy: _policy,
    isBusy,
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
      busy: () => isBusy(m.id),
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
  registry.transition(m, "ready", {
    pid: run.pid,
    port: ready.port,
    hibernated_at: null,
  });
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

/** Connects to a remote instance's server and watches it until it is lost. */
async function runRemoteOnce(
  m: Managed,
  deps: InstanceRunDeps,
): Promise<RunOutcome> {
  const { registry, clock } = deps;
  const remote = registry.store.remoteEndpoint(m.id);
  if (!remote) {
    return failed("Cannot connect as the instance records no remote server");
  }
  const run = new RemoteRun({
    instanceId: m.id,
    dir: m.dir,
    remote,
    clock,
    readyTimeoutMs: deps.readyTimeoutMs,
    health: deps.health,
    busy: () => deps.isBusy(m.id),
    publish: deps.publish,
    onResync: deps.onResync,
    random: deps.random,
  });
  m.run = run;
  try {
    const ready = await run.waitReady(m.stopCtl.signal);
    if (!m.wanted) return { kind: "stopped" };
    if (ready.kind === "failed") {
      registry.note(m, ready.message);
      return failed(ready.message, ready.retryable);
    }
    const since = clock.now();
    registry.transition(m, "ready", {
      pid: null,
      port: null,
      hibernated_at: null,
    });
    if (!m.wanted) return { kind: "stopped" };
    const line =
      `Connected to ${remote.origin} (OpenCode ${ready.facts.version}, ${ready.facts.directory})`;
    registry.note(m, line);
    log.info(`Instance ${m.id}: ${line}`);
    using stopping = abortPromise(m.stopCtl.signal);
    const end = await Promise.race([
      run.watch(ready.client),
      stopping.promise.then(() => ({ kind: "stop" as const })),
    ]);
    if (end.kind === "stop" || !m.wanted) return { kind: "stopped" };
    const why = end.kind === "unhealthy" ? end.why : "its event stream ended";
    const message =
      `Lost the OpenCode server at ${remote.origin}: it stopped answering health checks (${why})`;
    registry.note(m, message);
    return failed(message, true, null, since);
  } finally {
    await run.terminate();
    if (m.run === run) m.run = null;
  }
}
