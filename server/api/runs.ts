/**
 * `/api/runs…`: start a run of an installed workflow on an instance, list
 * and inspect runs, and a person's actions (stop, resume, and retry, skip
 * or approve a step), each answered 409 with the reason when the run's
 * state does not allow it.
 *
 * @module
 */
import { RUN_STATUSES, type RunStatusJson } from "../contract/workflows.ts";
import {
  BadRequestError,
  ConflictError,
  NotFoundError,
} from "../http/errors.ts";
import { readJson, type Schema, validate } from "../http/json_body.ts";
import type { PersonAction } from "../runs/run_engine.ts";
import type { ApiContext } from "./api_context.ts";
import {
  type ApiRoute,
  arrayOf,
  bodySchema,
  errorDoc,
  ref,
  type RouteDoc,
} from "./openapi.ts";

/** The body of `POST /api/runs`. */
export const START_RUN_BODY = {
  workflow: { type: "string", minLength: 1, maxLength: 64 },
  instance_id: { type: "string", minLength: 1, maxLength: 200 },
  task: { type: "string", minLength: 1, maxLength: 100_000 },
  worktree: { type: "boolean", optional: true },
} as const satisfies Schema;

const STEP_ACTIONS = {
  retry: "retry_step",
  skip: "skip_step",
  approve: "approve",
} as const;

function readStatus(value: string | null): RunStatusJson | undefined {
  if (value === null) return undefined;
  const status = RUN_STATUSES.find((s) => s === value);
  if (status === undefined) {
    throw new BadRequestError(
      `Cannot use query "status": expected one of ${RUN_STATUSES.join(", ")}`,
      "invalid_query",
    );
  }
  return status;
}

function readName(url: URL, name: string): string | undefined {
  const value = url.searchParams.get(name);
  if (value === null) return undefined;
  if (value === "" || value.length > 200) {
    throw new BadRequestError(
      `Cannot use query "${name}": it must have 1 to 200 characters`,
      "invalid_query",
    );
  }
  return value;
}

/**
 * Refuses to delete an instance an active run works in.
 *
 * @throws {ConflictError}
 */
export function assertNoActiveRun(ctx: ApiContext, instanceId: string): void {
  const active = ctx.runs.activeRunsOn(instanceId);
  if (active.length > 0) {
    throw new ConflictError(
      `Cannot delete instance ${instanceId} as ${
        active.length === 1 ? "a run works" : `${active.length} runs work`
      } in it (${active.join(", ")}); stop ${
        active.length === 1 ? "it" : "them"
      } first`,
      "instance_in_use",
    );
  }
}

/** The run routes. */
export function runRoutes(ctx: ApiContext): ApiRoute[] {
  const act = async (id: string, action: PersonAction) =>
    Response.json(await ctx.runs.act(id, action));
  const actionDoc = (summary: string, step: boolean): RouteDoc => ({
    tag: "runs",
    params: step
      ? { id: "The run id (`run_…`)", step: "The step id" }
      : { id: "The run id (`run_…`)" },
    responses: {
      200: { description: `${summary}; the run now`, schema: ref("Run") },
      404: errorDoc(404),
      409: errorDoc(409, "The run's state does not allow it (the reason)"),
    },
  });
  const stepRoutes: ApiRoute[] = Object.entries(STEP_ACTIONS).map((
    [verb, type],
  ) => ({
    method: "POST",
    path: `/api/runs/:id/steps/:step/${verb}`,
    summary: {
      retry: "Retry a step (escalated, failed or live): a fresh budget",
      skip: "Skip a step (or, on a loop, its current story)",
      approve: "Approve a gate, or accept an escalated step or story as done",
    }[verb] ?? verb,
    doc: actionDoc(verb, true),
    handler: ({ params }) => {
      const run = ctx.runs.get(params.id!);
      if (!run) throw new NotFoundError(`Cannot find run: ${params.id}`);
      if (!run.steps.some((s) => s.id === params.step)) {
        throw new NotFoundError(
          `Cannot find step "${params.step}" in run ${run.id}`,
        );
      }
      return act(run.id, { type, step: params.step! });
    },
  }));
  return [
    {
      method: "GET",
      path: "/api/runs",
      summary: "List runs, newest first",
      doc: {
        tag: "runs",
        description:
          '`?status=blocked` is the "needs you" list: each blocked run says why in `blocked_reason`.',
        query: [
          {
            name: "workflow",
            description: "Only runs of this workflow",
            schema: { type: "string" },
          },
          {
            name: "status",
            description: "Only runs in this status",
            schema: { type: "string", enum: [...RUN_STATUSES] },
          },
          {
            name: "instance_id",
            description: "Only runs on this instance",
            schema: { type: "string" },
          },
        ],
        responses: {
          200: { description: "Runs", schema: arrayOf(ref("RunSummary")) },
          400: errorDoc(400),
        },
      },
      handler: ({ url }) =>
        Response.json(ctx.runs.list({
          workflow: readName(url, "workflow"),
          status: readStatus(url.searchParams.get("status")),
          instance: readName(url, "instance_id"),
        })),
    },
    {
      method: "POST",
      path: "/api/runs",
      summary: "Start a run of an installed workflow on an instance",
      doc: {
        tag: "runs",
        description:
          "The instance must be running (or starting). The run pins the workflow's current revision. Follow it with `run.updated`, `step.updated`, `story.updated`, `attempt.updated` and `run.notice` on /api/events. With `worktree: true` the run works in a git worktree of its own: a new branch `flock/run-<number>-<task words>` from the instance repository's HEAD, checked out under Flock's data directory before the first attempt; every attempt's session works there, the agents' uncommitted work is committed on the branch after each attempt and when the run completes, and the worktree and branch stay when the run ends (the run's `worktree` names them). An instance whose directory is not in git (or whose repository has no commit yet, or a remote one) is a 400 naming `worktree`. If the worktree is removed while the run is active, the next attempt gives its step up at once (blocked or failed, by its `on_fail`) with a reason that says how to restore it.",
        body: {
          schema: bodySchema(START_RUN_BODY, {
            workflow: "An installed workflow's id",
            instance_id: "The instance whose directory the agents work in",
            task: "What to do ({{task}} in the templates)",
            worktree:
              "Run in a git worktree of its own (a new branch from HEAD); default false: the instance's directory",
          }),
        },
        responses: {
          201: { description: "Started", schema: ref("Run") },
          400: errorDoc(
            400,
            "Bad field, unknown workflow or instance, or `worktree` on an instance outside git (`worktree_not_git`), without a commit (`worktree_no_commit`) or remote (`worktree_remote`)",
          ),
          409: errorDoc(409, "The instance is not running"),
        },
      },
      handler: async ({ req }) => {
        const body = validate(await readJson(req), START_RUN_BODY);
        if (body.task.trim() === "") {
          throw new BadRequestError(
            'Cannot use field "task": it is blank',
            "invalid_field",
          );
        }
        const run = await ctx.runs.create({
          workflow: body.workflow,
          instanceId: body.instance_id,
          task: body.task,
          ...(body.worktree === undefined ? {} : { worktree: body.worktree }),
        });
        return Response.json(run, {
          status: 201,
          headers: { location: `/api/runs/${run.id}` },
        });
      },
    },
    {
      method: "GET",
      path: "/api/runs/:id",
      summary: "Get one run with its steps, stories and attempts",
      doc: {
        tag: "runs",
        params: { id: "The run id (`run_…`)" },
        responses: {
          200: { description: "The run", schema: ref("Run") },
          404: errorDoc(404),
        },
      },
      handler: ({ params }) => {
        const run = ctx.runs.get(params.id!);
        if (!run) throw new NotFoundError(`Cannot find run: ${params.id}`);
        return Response.json(run);
      },
    },
    {
      method: "POST",
      path: "/api/runs/:id/stop",
      summary: "Stop a run (its live session is aborted): cancelled",
      doc: actionDoc("Stopped", false),
      handler: ({ params }) => act(params.id!, { type: "stop" }),
    },
    {
      method: "POST",
      path: "/api/runs/:id/resume",
      summary: "Resume a cancelled or failed run",
      doc: actionDoc("Resumed", false),
      handler: ({ params }) => act(params.id!, { type: "resume" }),
    },
    ...stepRoutes,
  ];
}
