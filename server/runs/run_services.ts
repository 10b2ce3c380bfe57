/**
 * The workflow stores and the runner, composed over Flock's event services
 * and supervisor (`server/services.ts` calls this): the runner reaches
 * instances through the supervisor, listens to every published event, and
 * makes runs' own worktrees with the same git runner and under the same
 * root as sessions' worktrees; the review of those worktrees (diff, merge,
 * removal) goes through the runner's queues.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { SupervisorApi } from "../api/api_context.ts";
import { RunStore } from "../db/run_store.ts";
import { WorkflowStore } from "../db/workflow_store.ts";
import { GitRunner } from "../git/git_runner.ts";
import { InstanceNotRunningError } from "../opencode/instance_errors.ts";
import type { EventServices } from "../services.ts";
import type { WorktreeServicesOptions } from "../worktrees/worktree_services.ts";
import { gitRepoInputs } from "./repo_inputs.ts";
import { RunEngine, type RunEngineOptions } from "./run_engine.ts";
import { RunReview } from "./run_review.ts";
import { gitRunWorktrees } from "./run_worktrees.ts";

/** What the runner takes beyond the composed services (tests, the bench). */
export type RunServicesOptions = Partial<
  Pick<
    RunEngineOptions,
    "clock" | "repo" | "onHandoff" | "newRunId" | "host" | "worktrees"
  >
>;

/**
 * The workflow stores and the runner over composed services and a
 * supervisor; the runner listens to every published event.
 *
 * @param worktrees Where worktrees go (`<data dir>/worktrees`) and the git
 * runner; runs' worktrees are `<root>/<instance id>/run-<number>-<hex>`.
 */
export function composeRunServices(
  db: DatabaseSync,
  events: EventServices,
  supervisor: SupervisorApi,
  options: RunServicesOptions = {},
  worktrees: WorktreeServicesOptions,
): { workflows: WorkflowStore; runs: RunEngine; runReview: RunReview } {
  const workflows = new WorkflowStore(db);
  const git = worktrees.git ?? new GitRunner();
  const runWorktrees = options.worktrees ??
    gitRunWorktrees({ git, root: worktrees.root });
  const runs = new RunEngine({
    runs: new RunStore(db, workflows),
    workflows,
    host: options.host ?? {
      sessions: (id) => {
        const client = supervisor.runningClient(id);
        if (!client) {
          throw new InstanceNotRunningError(
            id,
            events.instances.get(id)?.status ?? null,
          );
        }
        return client;
      },
      instance: (id) => events.instances.get(id),
      startInstance: (id) => supervisor.start(id),
    },
    publish: events.publish,
    activity: events.activity,
    repo: options.repo ?? gitRepoInputs(git),
    worktrees: runWorktrees,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.onHandoff === undefined
      ? {}
      : { onHandoff: options.onHandoff }),
    ...(options.newRunId === undefined ? {} : { newRunId: options.newRunId }),
  });
  events.listen((event) => runs.onEvent(event));
  const runReview = new RunReview({
    engine: runs,
    worktrees: runWorktrees,
    git,
  });
  return { workflows, runs, runReview };
}
