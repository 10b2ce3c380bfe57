/**
 * Ending an instance's run on purpose: an intentional stop (busy sessions
 * aborted, ends `stopped`), a hibernation (nothing aborted: it was idle;
 * ends `hibernated`), or the stop at Flock's shutdown, after which an
 * instance that was wanted running ends `hibernated` so that it wakes on
 * use after the next start.
 *
 * @module
 */
import { type Clock, within } from "../clock.ts";
import { log } from "../log.ts";
import type { InstanceRegistry, Managed } from "./instance_registry.ts";

/** What {@linkcode stopRun} needs. */
export interface StopDeps {
  registry: InstanceRegistry;
  clock: Clock;
  /** Flock is shutting down. */
  shuttingDown: boolean;
}

/** See the module documentation. */
export async function stopRun(
  m: Managed,
  goal: "stopped" | "hibernated",
  deps: StopDeps,
): Promise<void> {
  const { registry, clock } = deps;
  const sleep = goal === "hibernated" ||
    (deps.shuttingDown && m.wanted && m.status !== "stopped");
  m.wanted = false;
  m.stopCtl.abort();
  registry.transition(m, goal === "hibernated" ? "hibernate" : "stop");
  await m.run?.terminate({ abortSessions: goal === "stopped" });
  await m.task;
  const idle = { pid: null, port: null };
  if (goal === "stopped" && m.status !== "stopping") {
    registry.transition(m, "stop");
  }
  if (sleep) {
    registry.transition(m, "hibernated", {
      ...idle,
      hibernated_at: new Date(clock.now()).toISOString(),
    });
  } else {
    registry.transition(m, "stopped", { ...idle, hibernated_at: null });
  }
}

/**
 * Stops every instance in parallel within `timeoutMs`; past it, SIGKILLs
 * the children that are left and waits 2 s more.
 */
export async function stopAllWithin(
  registry: InstanceRegistry,
  stop: (id: string) => Promise<void>,
  clock: Clock,
  timeoutMs: number,
): Promise<void> {
  const all = Promise.allSettled(registry.ids().map(stop));
  if (await within(clock, all, timeoutMs) !== undefined) return;
  log.error(
    `Stopping all instances took longer than ${timeoutMs} ms; killing the remaining children`,
  );
  for (const m of registry.values()) {
    m.wanted = false;
    m.stopCtl.abort();
    m.run?.killNow();
  }
  await within(clock, all, 2000);
}
