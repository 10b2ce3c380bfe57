/**
 * What the runner's halves share: `RunEngine` builds it, and its command
 * half (`run_commands.ts`) and event half (`run_events.ts`) work through
 * it.
 *
 * @module
 */
import type { Clock } from "../clock.ts";
import type { RunRecord } from "../db/run_store.ts";
import type { Decision, RunEvent } from "../workflows/decide_types.ts";
import type { HandoffTimer } from "./handoff_timer.ts";
import type { InstanceAccess, RunHost } from "./instance_access.ts";
import type { RepoInputs } from "./repo_inputs.ts";
import type { RunWorktrees } from "./run_worktrees.ts";

/** The internals the command and event halves of the runner share. */
export interface RunnerCore {
  readonly clock: Clock;
  readonly repo: RepoInputs;
  readonly instances: InstanceAccess;
  readonly host: RunHost;
  readonly worktrees: RunWorktrees;
  /** Aborts when the engine closes. */
  readonly signal: AbortSignal;
  readonly handoffs: HandoffTimer;
  /** The run as the runner knows it now. */
  record(runId: string): RunRecord | undefined;
  /** Applies a runner event; resolves with the decision (null when the run is gone). */
  dispatch(runId: string, event: RunEvent): Promise<Decision | null>;
  /** Marks an outbox command as done. */
  confirm(seq: number): void;
  /** Keeps a background task until it settles (close waits for it). */
  track(task: Promise<unknown>): void;
}
