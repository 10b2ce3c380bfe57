/**
 * The workflow runner: it turns `decide` (the pure engine in
 * `server/workflows/`) into runs that move on their own.
 *
 * Every event of a run (a person's action, or a result of the runner's own
 * work) goes through one queue per run: the run's state is read, `decide`
 * answers, the new state and the commands it asks for are saved in one
 * transaction (`RunStore.save`), clients get `run.updated` & co., and only
 * then are the commands carried out (`run_commands.ts`), each confirmed in
 * the outbox when done. OpenCode's events reach the runner in-process
 * through the `publish` pipeline (`run_events.ts`); nothing polls.
 *
 * After a restart, {@linkcode RunEngine.start} replays the unconfirmed
 * `abort_session` and `notify` commands, drops the rest and sends
 * `recovered` to every running or blocked run: `decide` then asks to
 * reconcile each live attempt with what its session shows.
 *
 * @module
 */
import type { WireEvent } from "../contract/events.ts";
import type { RunJson, RunSummaryJson } from "../contract/workflows.ts";
import { type Clock, systemClock } from "../clock.ts";
import type { RunWorktreeRecord } from "../db/run_rows.ts";
import type {
  PendingCommand,
  RunFilter,
  RunRecord,
  RunStore,
} from "../db/run_store.ts";
import type { WorkflowStore } from "../db/workflow_store.ts";
import { log } from "../log.ts";
import { decide } from "../workflows/decide.ts";
import {
  type Decision,
  replayAfterCrash,
  type RunEvent,
} from "../workflows/decide_types.ts";
import { checkInvariants } from "../workflows/invariants.ts";
import type { PersonEvent } from "../workflows/person_actions.ts";
import { runEventsBetween, toRunJson } from "../workflows/run_json.ts";
import { liveAttempt } from "../workflows/run_state.ts";
import {
  type ActivityLeases,
  AttemptLeases,
  NO_LEASES,
} from "./attempt_leases.ts";
import { type Handoff, HandoffTimer } from "./handoff_timer.ts";
import { InstanceAccess, type RunHost } from "./instance_access.ts";
import type { RepoInputs } from "./repo_inputs.ts";
import { RunCommands } from "./run_commands.ts";
import { RunActionRefusedError, RunNotFoundError } from "./run_errors.ts";
import { RunEvents } from "./run_events.ts";
import {
  newRunId,
  type RunStartDeps,
  type StartRun,
  startRun,
} from "./run_start.ts";
import { RunQueues } from "./run_queues.ts";
import {
  commitRunWork,
  removedWorktreeRefusal,
  withFinishedWorktree,
} from "./run_workspace.ts";
import type { RunWorktrees } from "./run_worktrees.ts";

import type { RunnerCore } from "./runner_core.ts";

export type { StartRun } from "./run_start.ts";

/** Options for {@linkcode RunEngine}. */
export interface RunEngineOptions {
  runs: RunStore;
  workflows: WorkflowStore;
  host: RunHost;
  /** Publishes run events to clients (the services' `publish`). */
  publish(event: WireEvent): void;
  repo: RepoInputs;
  /** Time and timers (role timeouts). Default the system clock. */
  clock?: Clock;
  /** New run ids. Default `run_` and 16 hex digits. */
  newRunId?: () => string;
  /**
   * Told each step hand-off: from an attempt's `session.idle` to the next
   * attempt's prompt being accepted, and OpenCode's share (for the bench).
   */
  onHandoff?: (handoff: Handoff) => void;
  /**
   * Activity leases (`services.activity`): every live attempt holds one on
   * its instance, so the instance never hibernates under a run. Default none.
   */
  activity?: ActivityLeases;
  /** Runs' own worktrees (`"worktree": true`). */
  worktrees: RunWorktrees;
}

/** A person's action on a run (the runner adds the time). */
export type PersonAction =
  | { type: "stop" }
  | { type: "resume" }
  | { type: "retry_step" | "skip_step" | "approve"; step: string };

/** See the module documentation. */
export class RunEngine {
  #runs: RunStore;
  #workflows: WorkflowStore;
  #publish: (event: WireEvent) => void;
  #repo: RepoInputs;
  #clock: Clock;
  #cache = new Map<string, RunRecord>();
  #queues = new RunQueues();
  #tasks = new Set<Promise<unknown>>();
  #closing = new AbortController();
  #commands: RunCommands;
  #events: RunEvents;
  #instances: InstanceAccess;
  #host: RunHost;
  #handoffs: HandoffTimer;
  #leases: AttemptLeases;
  #worktrees: RunWorktrees;
  #startDeps: RunStartDeps;
  /** The start in progress: starts are taken one at a time. */
  #starting: Promise<unknown> = Promise.resolve();

  constructor(options: RunEngineOptions) {
    this.#runs = options.runs;
    this.#workflows = options.workflows;
    this.#publish = options.publish;
    this.#repo = options.repo;
    this.#clock = options.clock ?? systemClock;
    this.#host = options.host;
    this.#leases = new AttemptLeases(options.activity ?? NO_LEASES);
    this.#instances = new InstanceAccess(options.host, this.#clock);
    this.#worktrees = options.worktrees;
    this.#startDeps = {
      runs: this.#runs,
      workflows: this.#workflows,
      host: this.#host,
      repo: this.#repo,
      worktrees: this.#worktrees,
      now: () => this.#clock.now(),
      newRunId: options.newRunId ?? newRunId,
    };
    const core: RunnerCore = {
      clock: this.#clock,
      repo: this.#repo,
      instances: this.#instances,
      host: this.#host,
      worktrees: this.#worktrees,
      signal: this.#closing.signal,
      handoffs: this.#handoffs = new HandoffTimer(options.onHandoff),
      record: (runId) => this.#cache.get(runId),
      dispatch: (runId, event) => this.#dispatch(runId, event),
      confirm: (seq) => this.#runs.confirm(seq),
      track: (task) => this.#track(task),
    };
    this.#commands = new RunCommands(core, (notice) => this.#publish(notice));
    this.#events = new RunEvents(core, this.#commands);
  }

  /** Feeds one published event (OpenCode's and Flock's); never throws. */
  onEvent(event: WireEvent): void {
    if (this.#closing.signal.aborted) return;
    try {
      this.#events.handle(event);
    } catch (error) {
      log.error(`Cannot handle ${event.type} for the runs:`, error);
    }
  }

  /**
   * After a (re)start: replays the unconfirmed `abort_session` and
   * `notify` commands, drops the others (`recovered` regenerates them from
   * what the sessions show) and sends `recovered` to every active run.
   */
  async start(): Promise<void> {
    for (const record of this.#runs.active()) this.#remember(record);
    for (const pending of this.#runs.outbox()) {
      const record = this.#cache.get(pending.runId) ??
        this.#runs.get(pending.runId);
      if (record !== undefined && replayAfterCrash(pending.command)) {
        this.#commands.perform(record, [pending], { replay: true });
      } else {
        this.#runs.confirm(pending.seq);
      }
    }
    await Promise.all(
      [...this.#cache.keys()].map((runId) =>
        this.#dispatch(runId, { type: "recovered", at: this.#clock.now() })
      ),
    );
  }

  /**
   * Starts a run of an installed workflow on an instance (in a worktree of
   * its own when asked). Starts are taken one at a time, so a worktree's
   * branch is named after the number its run gets.
   *
   * @throws {RunStartError} for an unknown instance or workflow, one that
   * cannot have a worktree (400, naming `worktree`), or one that is not
   * running (409).
   * @throws {WorkflowNotFoundError} when the workflow is not installed.
   */
  create(start: StartRun): Promise<RunJson> {
    const turn = this.#starting.then(async () => {
      const { record, commands } = await startRun(this.#startDeps, start);
      this.#remember(record);
      this.#afterSave(null, record, commands);
      return toRunJson(record.state);
    });
    this.#starting = turn.catch(() => {});
    return turn;
  }

  /**
   * A person's action on a run.
   *
   * @throws {RunNotFoundError} when the run does not exist.
   * @throws {RunActionRefusedError} when its state does not allow it (the reason).
   */
  async act(runId: string, action: PersonAction): Promise<RunJson> {
    this.#load(runId);
    const at = this.#clock.now();
    const event: PersonEvent =
      action.type === "stop" || action.type === "resume"
        ? { type: action.type, at }
        : { type: action.type, step: action.step, at };
    const decision = await this.#dispatch(runId, event);
    if (decision === null) throw new RunNotFoundError(runId);
    if (decision.rejected !== null) {
      throw new RunActionRefusedError(decision.rejected);
    }
    return toRunJson(decision.state);
  }

  /** A run's JSON, or undefined. */
  get(runId: string): RunJson | undefined {
    const record = this.record(runId);
    return record === undefined ? undefined : toRunJson(record.state);
  }

  /** A run as the runner knows it now (where it works, its worktree), or undefined. */
  record(runId: string): RunRecord | undefined {
    return this.#cache.get(runId) ?? this.#runs.get(runId);
  }

  /** Summaries of runs, newest first. */
  list(filter: RunFilter = {}): RunSummaryJson[] {
    return this.#runs.list(filter);
  }

  /**
   * The directories of the instance's runs that have worktrees of their
   * own, removed ones too: OpenCode (1.18.33) still lists the sessions of
   * a directory that is gone, and a resync drops every session it is not
   * told of, so the runs' transcripts stay readable.
   */
  worktreeDirectories(instanceId: string): string[] {
    return this.#runs.worktreeDirectories(instanceId);
  }

  /**
   * Works on a run's own worktree (its review: a merge, a removal) in the
   * run's queue, so none of the run's events is applied meanwhile; then
   * records what became of the worktree (`finished`, when given) and tells
   * clients (`run.updated`).
   *
   * @throws {RunNotFoundError} when the run does not exist.
   */
  withWorktree<T>(
    runId: string,
    work: (record: RunRecord) => Promise<{
      result: T;
      finished?: Pick<RunWorktreeRecord, "merged" | "removed">;
    }>,
  ): Promise<T> {
    return this.#queues.enqueue(runId, async () => {
      const record = this.#load(runId);
      const { result, finished } = await work(record);
      if (finished !== undefined && record.worktree !== null) {
        this.#runs.finishWorktree(runId, finished);
        const after = withFinishedWorktree(record, finished);
        this.#remember(after);
        for (const event of runEventsBetween(record.state, after.state)) {
          this.#publish(event);
        }
      }
      return result;
    });
  }

  /** The ids of the runs on an instance that are running or blocked. */
  activeRunsOn(instanceId: string): string[] {
    return [...this.#cache.values()].filter((record) =>
      record.state.instanceId === instanceId &&
      (record.state.status === "running" || record.state.status === "blocked")
    ).map((record) => record.state.id);
  }

  /** Stops reacting, cancels timers and waits for the work in flight. */
  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort(new Error("The run engine is closing"));
    this.#commands.close();
    this.#leases[Symbol.dispose]();
    const pending = [...this.#tasks, ...this.#queues.pending()];
    const limit = new AbortController();
    try {
      await Promise.race([
        Promise.allSettled(pending),
        this.#clock.sleep(5_000, limit.signal),
      ]);
    } finally {
      limit.abort();
    }
  }

  #track(task: Promise<unknown>): void {
    const kept = task.catch((error) => {
      if (!this.#closing.signal.aborted) {
        log.error("A run task failed:", error);
      }
    }).finally(() => this.#tasks.delete(kept));
    this.#tasks.add(kept);
  }

  #remember(record: RunRecord): void {
    this.#cache.set(record.state.id, record);
    this.#events.index(record.state);
    this.#leases.sync(
      record.state.id,
      record.state.instanceId,
      liveAttempt(record.state),
    );
  }

  #load(runId: string): RunRecord {
    const cached = this.#cache.get(runId);
    if (cached) return cached;
    const record = this.#runs.get(runId);
    if (record === undefined) throw new RunNotFoundError(runId);
    this.#remember(record);
    return record;
  }

  /** Applies an event in the run's queue (after every earlier one). */
  #dispatch(runId: string, event: RunEvent): Promise<Decision | null> {
    return this.#queues.enqueue(runId, () => this.#apply(runId, event));
  }

  #apply(runId: string, event: RunEvent): Decision | null {
    // Closed: nothing more is saved (what a crash leaves is what recovery sees).
    if (this.#closing.signal.aborted) return null;
    const record = this.#cache.get(runId) ?? this.#runs.get(runId);
    if (record === undefined) return null;
    const before = record.state;
    const refused = removedWorktreeRefusal(record, event);
    const decision = refused === null
      ? decide(before, event)
      : { state: before, commands: [], rejected: refused };
    if (decision.rejected !== null) {
      log.debug(`Run ${runId}: ${event.type} refused: ${decision.rejected}`);
      return decision;
    }
    const broken = checkInvariants(decision.state);
    if (broken.length > 0) {
      log.error(`Run ${runId}: ${event.type} breaks ${broken.join("; ")}`);
    }
    const commands = this.#runs.save(before, decision, event);
    const after: RunRecord = { ...record, state: decision.state };
    this.#remember(after);
    this.#afterSave(before, after, commands);
    return decision;
  }

  #afterSave(
    before: RunRecord["state"] | null,
    after: RunRecord,
    commands: PendingCommand[],
  ): void {
    for (const event of runEventsBetween(before, after.state)) {
      this.#publish(event);
    }
    // A run that waits for a person (or ended) is no hand-off in progress.
    if (after.state.status !== "running") this.#handoffs.cancel(after.state.id);
    if (
      after.state.status === "completed" && before?.status !== "completed"
    ) {
      // Queued: a merge of the run's branch waits for this last commit.
      const id = after.state.id;
      this.#track(
        this.#queues.enqueue(id, () => commitRunWork(this.#worktrees, after)),
      );
    }
    if (commands.length > 0) this.#commands.perform(after, commands);
    if (liveAttempt(after.state) === null) this.#events.forget(after.state);
  }
}
