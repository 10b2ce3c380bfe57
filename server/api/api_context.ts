/**
 * What the API handlers need, passed in by `createApp`, plus small helpers
 * the handler modules share (looking rows up, finding a running child).
 *
 * @module
 */
import type { WireEvent } from "../contract/events.ts";
import type { InstanceJson, LogLineJson } from "../contract/instances.ts";
import type { SessionJson } from "../contract/sessions.ts";
import type { DiffScope } from "../contract/worktrees.ts";
import type { InstanceStore } from "../db/instance_store.ts";
import type { SessionStore } from "../db/session_store.ts";
import type { WorkflowStore } from "../db/workflow_store.ts";
import type { RunEngine } from "../runs/run_engine.ts";
import type { RunReview } from "../runs/run_review.ts";
import type { EventBroker } from "../events/event_broker.ts";
import type { MarkTracker } from "../events/mark_tracker.ts";
import type { PendingIndex } from "../events/pending_index.ts";
import type { SearchIndex } from "../events/search_index.ts";
import type { SessionTracker } from "../events/session_tracker.ts";
import type { CatalogCache } from "../opencode/catalog_cache.ts";
import type { MessageQueue } from "../queue/message_queue.ts";
import { BadRequestError, NotFoundError } from "../http/errors.ts";
import type { OpenCodeClient } from "../opencode/opencode_client.ts";
import { InstanceNotRunningError } from "../opencode/instance_errors.ts";
import type { SessionWorktrees } from "../worktrees/session_worktrees.ts";

/** The part of the supervisor the API uses (`opencode/supervisor.ts` implements it). */
export interface SupervisorApi {
  /** Starts supervising an existing row; returns at once. */
  start(instanceId: string): void;
  /** Stops the child on purpose; ends in `stopped`. */
  stop(instanceId: string): Promise<void>;
  /** Stops, then starts again. */
  restart(instanceId: string): Promise<void>;
  /** Stops and forgets in-memory state, before the row is deleted. */
  forget(instanceId: string): Promise<void>;
  /**
   * The REST client for a request that needs the instance's server: waits
   * for a starting instance and wakes a hibernated one (one wake however
   * many requests wait on it). Every proxying route goes through it.
   *
   * @throws {InstanceNotRunningError} when it is stopped or in error.
   * @throws {InstanceWakeError} when waking it failed (502).
   */
  ensureClient(instanceId: string): Promise<OpenCodeClient>;
  /** The client of a running instance, or null; never wakes it. */
  runningClient(instanceId: string): OpenCodeClient | null;
  /**
   * Puts a running local instance to sleep now.
   *
   * @returns false when it is not a running local instance.
   */
  hibernate(instanceId: string): Promise<boolean>;
  /** The child's recent output lines, oldest first. */
  logs(instanceId: string): LogLineJson[];
}

/** Everything the API handlers use. */
export interface ApiContext {
  instances: InstanceStore;
  sessions: SessionStore;
  supervisor: SupervisorApi;
  broker: EventBroker;
  tracker: SessionTracker;
  /** Pending permission requests and questions, from the events. */
  pending: PendingIndex;
  marks: MarkTracker;
  search: SearchIndex;
  /** Sends messages, queues those for busy sessions. */
  queue: MessageQueue;
  /** What each running instance offers. */
  catalog: CatalogCache;
  /** Publishes a Flock event (session tracking, then the broker). */
  publish(event: WireEvent): void;
  /** Memory figures on demand (an API read keeps them fresh). */
  memory: { wanted(): void };
  /** Installed workflows. */
  workflows: WorkflowStore;
  /** The workflow runner. */
  runs: RunEngine;
  /** Runs' own worktrees: diff, merge, removal. */
  runReview: RunReview;
  /** Sessions' own worktrees. */
  worktrees: SessionWorktrees;
  /** `--root` directories; empty means anywhere. */
  roots: readonly string[];
  /** The default directory of the directory picker (the user's home). */
  home: string | undefined;
}

/**
 * A supervisor for an app built without one (in-process tests of the
 * routes): nothing ever runs.
 */
export const NO_SUPERVISOR: SupervisorApi = {
  start() {},
  stop: () => Promise.resolve(),
  restart: () => Promise.resolve(),
  forget: () => Promise.resolve(),
  ensureClient(instanceId) {
    return Promise.reject(new InstanceNotRunningError(instanceId, null));
  },
  runningClient: () => null,
  hibernate: () => Promise.resolve(false),
  logs: () => [],
};

/**
 * The instance, or a 404.
 *
 * @throws {NotFoundError}
 */
export function requireInstance(ctx: ApiContext, id: string): InstanceJson {
  const instance = ctx.instances.get(id);
  if (!instance) throw new NotFoundError(`Cannot find instance: ${id}`);
  return instance;
}

/**
 * The session, or a 404.
 *
 * @throws {NotFoundError}
 */
export function requireSession(ctx: ApiContext, id: string): SessionJson {
  const session = ctx.sessions.get(id);
  if (!session) throw new NotFoundError(`Cannot find session: ${id}`);
  return session;
}

/** Generates an instance id: `inst_` and 16 hex digits. */
export function newInstanceId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return "inst_" +
    Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The `force` query of a delete: absent or `false` is false, `true` is true.
 *
 * @throws {BadRequestError} for any other value.
 */
export function forceOf(url: URL): boolean {
  const force = url.searchParams.get("force");
  if (force === null || force === "false") return false;
  if (force === "true") return true;
  throw new BadRequestError(
    `Cannot use query "force": expected true or false, got "${
      force.slice(0, 20)
    }"`,
    "invalid_query",
  );
}

/**
 * The `scope` query of a diff: `working` or `branch` (`fallback` when
 * absent).
 *
 * @throws {BadRequestError} for any other value.
 */
export function diffScopeOf(url: URL, fallback: DiffScope): DiffScope {
  const scope = url.searchParams.get("scope") ?? fallback;
  if (scope !== "working" && scope !== "branch") {
    throw new BadRequestError(
      `Cannot use query "scope": expected "working" or "branch", got "${
        scope.slice(0, 20)
      }"`,
      "invalid_query",
    );
  }
  return scope;
}
