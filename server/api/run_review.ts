/**
 * `/api/runs/{id}/…` for reviewing and landing what a run did in its own
 * worktree (`"worktree": true`): its diff, the merge of its branch into its
 * base, and the removal of its worktree. The same git work, JSON shapes
 * and refusals as a worktree session's (`session_review.ts`), through
 * `RunReview` (`server/runs/run_review.ts`).
 *
 * @module
 */
import { type ApiContext, diffScopeOf, forceOf } from "./api_context.ts";
import { type ApiRoute, errorDoc, ref } from "./openapi.ts";

/** The review routes of a run. */
export function runReviewRoutes(ctx: ApiContext): ApiRoute[] {
  const params = { id: "The run id (`run_…`)" };
  const active =
    "the run is still running or blocked (`run_active`: it may still change its branch)";
  return [
    {
      method: "GET",
      path: "/api/runs/:id/diff",
      summary: "The changes of a run in its own worktree",
      doc: {
        tag: "runs",
        params,
        description:
          "The same shape as a session's diff. `scope=branch` (default): the run's whole branch (committed and not) against its base, from where they forked: what a merge would bring. `scope=working`: what is uncommitted in its worktree (usually nothing: Flock commits each attempt's work). Read it again on `run.updated`.",
        query: [{
          name: "scope",
          description: "`branch` (default) or `working`",
          schema: { type: "string", enum: ["branch", "working"] },
        }],
        responses: {
          200: { description: "The diff", schema: ref("RunDiff") },
          400: errorDoc(400, "Bad scope, or the run has no worktree"),
          404: errorDoc(404),
          409: errorDoc(
            409,
            "Its worktree was removed by Flock (`worktree_removed`) or is gone (`worktree_missing`, with how to restore it)",
          ),
        },
      },
      handler: async ({ params, url }) => {
        const scope = diffScopeOf(url, "branch");
        return Response.json(await ctx.runReview.diff(params.id!, scope));
      },
    },
    {
      method: "POST",
      path: "/api/runs/:id/merge",
      summary: "Merge a run's branch into its base, then remove its worktree",
      doc: {
        tag: "runs",
        params,
        description:
          "As a session's merge: fast-forward when the base has not moved, else a merge commit, computed without a working tree, so a refusal changes nothing: a conflict is 409 `merge_conflict` (`error.files`), uncommitted changes in the worktree 409 `uncommitted_changes` (`error.files`), a base checked out with uncommitted changes 409 `base_checkout_dirty`; a clean checkout of the base is moved along. Only for a run that has ended (completed, failed or cancelled). Then the worktree is removed, and its branch with it (merged by then), as deleting a session does after its merge; `removed` is null if that failed (the merge stands, the worktree stays). The run's `worktree.merged` and `worktree.removed` say so (`run.updated`), and the run can no longer be resumed or retried.",
        responses: {
          200: { description: "Merged", schema: ref("RunMergeResult") },
          400: errorDoc(
            400,
            "The run has no worktree, or its base is not a local branch",
          ),
          404: errorDoc(404),
          409: errorDoc(
            409,
            `A conflict or uncommitted changes (files named), ${active}, or its worktree was already removed`,
          ),
        },
      },
      handler: async ({ params }) =>
        Response.json(await ctx.runReview.merge(params.id!)),
    },
    {
      method: "DELETE",
      path: "/api/runs/:id/worktree",
      summary: "Remove a run's worktree without merging it",
      doc: {
        tag: "runs",
        params,
        description:
          "As deleting a worktree session: the worktree is removed, and its branch too once merged into its base. Uncommitted or unmerged work is 409 (`uncommitted_changes` with `error.files`, `unmerged_work`) unless `force=true`, which removes the worktree anyway but keeps an unmerged branch. Only for a run that has ended; the run itself stays (its attempts' transcripts too), and can no longer be resumed or retried.",
        query: [{
          name: "force",
          description:
            "`true` removes a worktree with uncommitted or unmerged work (an unmerged branch is kept)",
          schema: { type: "boolean" },
        }],
        responses: {
          200: {
            description: "Removed",
            schema: ref("WorktreeRemoval"),
          },
          400: errorDoc(400, "Bad force, or the run has no worktree"),
          404: errorDoc(404),
          409: errorDoc(
            409,
            `Work to lose (uncommitted files named, or unmerged commits), ${active}, or it was already removed`,
          ),
        },
      },
      handler: async ({ params, url }) => {
        const force = forceOf(url);
        return Response.json(await ctx.runReview.remove(params.id!, force));
      },
    },
  ];
}
