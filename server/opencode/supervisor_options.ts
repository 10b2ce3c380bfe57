/**
 * The options of the {@linkcode Supervisor} (`supervisor.ts`).
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { PublishEvent } from "../contract/events.ts";
import type { InstanceStore } from "../db/instance_store.ts";
import type { ActivityRegistry } from "../fleet/activity.ts";
import type { ProcessTree } from "../processes/process_helper.ts";
import type { RestartPolicy } from "./backoff.ts";
import type { HealthPolicy } from "./health_monitor.ts";
import type { ResolvedBinary } from "./opencode_binary.ts";
import type { SpawnFn } from "./spawn.ts";
import type { ResyncHook } from "./upstream_events.ts";

/** Options for {@linkcode Supervisor}. */
export interface SupervisorOptions {
  /** Where instance rows live. */
  instances: InstanceStore;
  /** Receives `instance.status` events and the children's upstream events. */
  publish: PublishEvent;
  /** Receives the sessions and their statuses after each (re)connect of an event stream. */
  onResync?: ResyncHook;
  /**
   * Resolves the OpenCode binary; called before each spawn. A thrown error's
   * message becomes the instance's `last_error`.
   */
  binary: () => ResolvedBinary;
  /**
   * The binary that runs the process helper. Default: the resolved
   * OpenCode binary (the one `--allow-run` permits).
   */
  helperBinary?: string;
  /**
   * Process-tree operations (listing descendants, killing leftovers).
   * Default: one `ProcessHelper`, owned and closed by the
   * supervisor.
   */
  processes?: ProcessTree;
  /** Starts processes. Default `spawnChild`. */
  spawn?: SpawnFn;
  /** Extra environment for every child (isolated XDG dirs, config content …). */
  childEnv?: Readonly<Record<string, string>>;
  /** An OpenCode config file for every child, passed as `OPENCODE_CONFIG`. */
  opencodeConfigPath?: string | undefined;
  /** Listening line plus healthy answer must come within this, in ms. Default 30 000. */
  readyTimeoutMs?: number;
  /** How long a SIGTERMed child may take before SIGKILL, in ms. Default 5000. */
  stopGraceMs?: number;
  /** Upper bound for `Supervisor.stopAll`, in ms. Default 15 000. */
  stopAllTimeoutMs?: number;
  /** Output lines kept per instance. Default 500. */
  logLines?: number;
  restartPolicy?: Partial<RestartPolicy>;
  health?: Partial<HealthPolicy>;
  /**
   * What goes on in each instance (busy sessions, pending requests,
   * leases): the health rule reads it, the API's clients mark activity in
   * it. Default: a registry of its own (nothing feeds it events).
   */
  activity?: ActivityRegistry;
  /** Time and timers. Default `systemClock`. */
  clock?: Clock;
  /** Backoff jitter. Default `Math.random`. */
  random?: () => number;
}
