/**
 * Starting a run (`POST /api/runs`): the request is checked (a known
 * instance and workflow; for `"worktree": true`, an instance whose
 * directory can have one), the instance must run (or be able to wake),
 * and, for a run in its own worktree, the branch and worktree are made
 * before the run is saved, so its first attempt already works there. A
 * worktree whose run could not be saved is taken back.
 *
 * Starts are serialised by the caller, so the run number a branch is named
 * after is the one the run gets.
 *
 * @module
 */
import type { InstanceJson } from "../contract/instances.ts";
import type { PendingCommand, RunRecord, RunStore } from "../db/run_store.ts";
import type { WorkflowStore } from "../db/workflow_store.ts";
import { log } from "../log.ts";
import { decide } from "../workflows/decide.ts";
import type { Decision } from "../workflows/decide_types.ts";
import type { RunHost } from "./instance_access.ts";
import type { RepoInputs } from "./repo_inputs.ts";
import { RunStartError } from "./run_errors.ts";
import type { CreatedRunWorktree, RunWorktrees } from "./run_worktrees.ts";

/** Generates a run id: `run_` and 16 hex digits. */
export function newRunId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return "run_" +
    Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** What `POST /api/runs` asks for. */
export interface StartRun {
  workflow: string;
  instanceId: string;
  task: string;
  /** Work in a git worktree of its own (a new branch from HEAD). */
  worktree?: boolean;
}

/** What {@linkcode startRun} needs. */
export interface RunStartDeps {
  runs: RunStore;
  workflows: WorkflowStore;
  host: RunHost;
  repo: RepoInputs;
  worktrees: RunWorktrees;
  now(): number;
  newRunId(): string;
}

/** A started run: saved, with the commands its start asks for. */
export interface StartedRun {
  record: RunRecord;
  commands: PendingCommand[];
}

/**
 * Checks the request, then starts the run (see the module documentation).
 *
 * @throws {RunStartError} for an unknown instance or workflow (400), an
 * instance that cannot have a worktree (400, naming `worktree`), or one
 * that is not running (409).
 * @throws {WorkflowNotFoundError} when the workflow was removed meanwhile.
 */
export async function startRun(
  deps: RunStartDeps,
  start: StartRun,
): Promise<StartedRun> {
  const instance = deps.host.instance(start.instanceId);
  if (instance === undefined) {
    throw new RunStartError(
      `Cannot start a run as field "instance_id" names no instance: ${start.instanceId}`,
      "unknown_instance",
      true,
    );
  }
  if (deps.workflows.get(start.workflow) === undefined) {
    throw new RunStartError(
      `Cannot start a run as field "workflow" names no installed workflow: ${start.workflow}`,
      "unknown_workflow",
      true,
    );
  }
  if (start.worktree === true) await deps.worktrees.check(instance);
  // A hibernated instance is woken by the run's first attempt.
  if (
    instance.status !== "running" && instance.status !== "starting" &&
    instance.status !== "hibernated" && instance.status !== "hibernating"
  ) {
    throw new RunStartError(
      `Cannot start a run on instance ${instance.id} as it is ${instance.status}; start it with POST /api/instances/${instance.id}/restart`,
      "instance_not_running",
      false,
    );
  }
  const runNumber = deps.runs.nextRunNumber();
  const made = start.worktree === true
    ? await deps.worktrees.create(instance, runNumber, start.task)
    : null;
  try {
    return await save(deps, start, instance, runNumber, made);
  } catch (error) {
    if (made !== null) await takeBack(deps.worktrees, made);
    throw error;
  }
}

async function save(
  deps: RunStartDeps,
  start: StartRun,
  instance: InstanceJson,
  runNumber: number,
  made: CreatedRunWorktree | null,
): Promise<StartedRun> {
  let baseCommit = made?.baseCommit ?? null;
  if (made === null) {
    try {
      baseCommit = await deps.repo.head(instance.working_directory);
    } catch (error) {
      log.warn(`Cannot read HEAD of ${instance.working_directory}:`, error);
    }
  }
  const at = deps.now();
  const { record, commands } = deps.runs.create({
    id: deps.newRunId(),
    workflowId: start.workflow,
    instanceId: instance.id,
    task: start.task,
    directory: made?.directory ?? instance.working_directory,
    baseCommit,
    at,
    worktree: made?.worktree ?? null,
    runNumber,
  }, (state): Decision => decide(state, { type: "start", at }));
  return { record, commands };
}

async function takeBack(
  worktrees: RunWorktrees,
  made: CreatedRunWorktree,
): Promise<void> {
  try {
    await worktrees.discard(made);
  } catch (error) {
    log.warn(
      `Cannot take back the worktree ${made.worktree.path} of a run that did not start:`,
      error,
    );
  }
}
