/**
 * A Flock process supervising synthetic upstreams, and the direct handles
 * (URL and password) of those upstreams, read from the children themselves
 * (`/proc/<pid>/environ`), exactly as Flock started them.
 *
 * @module
 */
import type { InstanceJson } from "../server/contract/instances.ts";
import type { BenchContext } from "./context.ts";
import { clock, createInstance, StatusWatcher } from "./flock_api.ts";
import {
  type FlockServer,
  startFlock,
  SYNTHETIC_OPENCODE,
} from "./flock_server.ts";
import { processEnv } from "./processes.ts";
import { basicAuth, type Upstream, waitForSubscribers } from "./upstream.ts";

/** An instance and its upstream. */
export interface SyntheticInstance {
  instance: InstanceJson;
  upstream: Upstream;
  /** POST /api/instances sent → `running` event received, in ms. */
  readyMs: number;
}

/** How to reach a running instance's child directly. */
export function upstreamOf(instance: InstanceJson): Upstream {
  if (instance.pid === null || instance.port === null) {
    throw new Error(`Instance ${instance.id} has no child`);
  }
  const password = processEnv(instance.pid, "OPENCODE_SERVER_PASSWORD");
  if (password === undefined) {
    throw new Error(`Cannot read the password of pid ${instance.pid}`);
  }
  const username = processEnv(instance.pid, "OPENCODE_SERVER_USERNAME") ||
    "opencode";
  return {
    url: `http://127.0.0.1:${instance.port}`,
    authorization: basicAuth(password, username),
  };
}

/** Starts a Flock whose `opencode` is the synthetic upstream. */
export async function startSyntheticFlock(
  ctx: BenchContext,
  options: { cpuProfDir?: string; wrap?: string[] } = {},
): Promise<FlockServer> {
  const home = await ctx.dir("flock-home");
  return await startFlock(ctx.tracker, {
    home,
    opencode: SYNTHETIC_OPENCODE,
    ...options,
  });
}

/**
 * Creates an instance and waits until it is `running` and Flock reads its
 * event stream. Sequential on purpose: each ready time is then one child's.
 */
export async function addSyntheticInstance(
  ctx: BenchContext,
  flock: FlockServer,
  watcher: StatusWatcher,
  name: string,
): Promise<SyntheticInstance> {
  const dir = await ctx.dir(name);
  const sent = clock();
  const created = await createInstance(flock.url, dir, name);
  const runningAt = await watcher.waitFor(created.id, "running");
  const instance = await (await fetch(
    `${flock.url}/api/instances/${created.id}`,
  )).json() as InstanceJson;
  const upstream = upstreamOf(instance);
  await waitForSubscribers(upstream, 1);
  return { instance, upstream, readyMs: runningAt - sent };
}
