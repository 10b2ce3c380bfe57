/**
 * `/api/sessions/{id}/…` for reviewing and finishing a session's work: its
 * diff, revert/unrevert (OpenCode's), fork, a comment on a diff line sent
 * to the agent, and for a worktree session merge and commit-all.
 *
 * @module
 */
import { sessionRowOf } from "../contract/session_row.ts";
import type { SessionJson } from "../contract/sessions.ts";
import type { SessionChangesReason } from "../contract/worktrees.ts";
import { BadRequestError } from "../http/errors.ts";
import { readJson, type Schema, validate } from "../http/json_body.ts";
import type { OpenCodeSession } from "../contract/opencode.ts";
import { directoryOf } from "../worktrees/session_worktrees.ts";
import { type ApiContext, diffScopeOf, requireSession } from "./api_context.ts";
import { type ApiRoute, bodySchema, errorDoc, ref } from "./openapi.ts";
import { commentPrompt } from "./comment_prompt.ts";

/** The body of `POST /api/sessions/{id}/revert`. */
export const REVERT_BODY = {
  message_id: { type: "string", minLength: 1, maxLength: 200 },
  part_id: { type: "string", optional: true, minLength: 1, maxLength: 200 },
} as const satisfies Schema;

/** The body of `POST /api/sessions/{id}/fork`. */
export const FORK_BODY = {
  message_id: { type: "string", optional: true, minLength: 1, maxLength: 200 },
} as const satisfies Schema;

/** The body of `POST /api/sessions/{id}/comments`. */
export const COMMENT_BODY = {
  file: { type: "string", minLength: 1, maxLength: 4096 },
  line: { type: "number", integer: true, min: 1, max: 100_000_000 },
  quote: { type: "string", maxLength: 64 * 1024 },
  comment: { type: "string", minLength: 1, maxLength: 64 * 1024 },
} as const satisfies Schema;

/** The body of `POST /api/sessions/{id}/commit`. */
export const COMMIT_BODY = {
  message: { type: "string", minLength: 1, maxLength: 64 * 1024 },
} as const satisfies Schema;

function checkId(value: string, field: string, prefix: string): string {
  if (!value.startsWith(prefix)) {
    throw new BadRequestError(
      `Cannot use field "${field}": expected an OpenCode id starting with "${prefix}"`,
      "invalid_field",
    );
  }
  return value;
}

/** The review and worktree routes of a session. */
export function sessionReviewRoutes(ctx: ApiContext): ApiRoute[] {
  const id = { id: "The session id (OpenCode's `ses_…`)" };
  const changed = (session: SessionJson, reason: SessionChangesReason) =>
    ctx.publish({
      type: "session.changes",
      instance_id: session.instance_id,
      properties: { sessionID: session.id, reason },
    });
  const record = (session: SessionJson, info: OpenCodeSession) => {
    const row = sessionRowOf(session.instance_id, info, session.status);
    if (row) ctx.sessions.upsert(row);
    return requireSession(ctx, info.id);
  };
  const common = {
    404: errorDoc(404),
    409: errorDoc(409, "The instance is not running"),
    502: errorDoc(502),
  };
  return [
    {
      method: "GET",
      path: "/api/sessions/:id/diff",
      summary: "The session's changed files with their diffs",
      doc: {
        tag: "sessions",
        params: id,
        description:
          "`scope=working` (default): the session's directory (its worktree, or the instance's) against HEAD, untracked files included. `scope=branch`: a worktree session's whole branch (committed and not) against its base. `session.changes` events say when to read it again.",
        query: [{
          name: "scope",
          description: "`working` (default) or `branch`",
          schema: { type: "string", enum: ["working", "branch"] },
        }],
        responses: {
          200: { description: "The diff", schema: ref("SessionDiff") },
          400: errorDoc(
            400,
            "Bad scope, not a git repository, or `branch` without a worktree",
          ),
          404: errorDoc(404),
        },
      },
      handler: async ({ params, url }) => {
        const session = requireSession(ctx, params.id!);
        const scope = diffScopeOf(url, "working");
        const directory = directoryOf(
          session,
          ctx.instances.get(session.instance_id),
        );
        if (directory === undefined) {
          throw new BadRequestError(
            `Cannot diff session ${session.id} as its directory is unknown`,
            "no_directory",
          );
        }
        return Response.json(
          await ctx.worktrees.diff(session, directory, scope),
        );
      },
    },
    {
      method: "POST",
      path: "/api/sessions/:id/revert",
      summary: "Revert the session to before a message (files too)",
      doc: {
        tag: "sessions",
        params: id,
        description:
          "OpenCode's revert: the files the session changed from that message on are restored, and the message and those after it are dropped at the next prompt. `unrevert` takes it back.",
        body: { schema: bodySchema(REVERT_BODY) },
        responses: {
          200: { description: "The session", schema: ref("Session") },
          400: errorDoc(400),
          ...common,
        },
      },
      handler: async ({ req, params }) => {
        const session = requireSession(ctx, params.id!);
        const body = validate(await readJson(req), REVERT_BODY);
        const target = {
          messageID: checkId(body.message_id, "message_id", "msg"),
          ...(body.part_id === undefined
            ? {}
            : { partID: checkId(body.part_id, "part_id", "prt") }),
        };
        const client = await ctx.supervisor.ensureClient(session.instance_id);
        const info = await client.revert(session.id, target);
        changed(session, "revert");
        return Response.json(record(session, info));
      },
    },
    {
      method: "POST",
      path: "/api/sessions/:id/unrevert",
      summary: "Undo the session's revert",
      doc: {
        tag: "sessions",
        params: id,
        responses: {
          200: { description: "The session", schema: ref("Session") },
          ...common,
        },
      },
      handler: async ({ params }) => {
        const session = requireSession(ctx, params.id!);
        const client = await ctx.supervisor.ensureClient(session.instance_id);
        const info = await client.unrevert(session.id);
        changed(session, "unrevert");
        return Response.json(record(session, info));
      },
    },
    {
      method: "POST",
      path: "/api/sessions/:id/fork",
      summary: "Fork the session into a new one",
      doc: {
        tag: "sessions",
        params: id,
        description:
          "OpenCode's fork: a new session with the messages before `message_id` (all of them without it), in the same directory (a worktree session's fork shares its worktree; the worktree stays owned by the original).",
        body: { schema: bodySchema(FORK_BODY), required: false },
        responses: {
          201: { description: "The new session", schema: ref("Session") },
          400: errorDoc(400),
          ...common,
        },
      },
      handler: async ({ req, params }) => {
        const session = requireSession(ctx, params.id!);
        const body = validate(
          await readJson(req, { allowEmpty: true }),
          FORK_BODY,
        );
        const messageId = body.message_id === undefined
          ? undefined
          : checkId(body.message_id, "message_id", "msg");
        const client = await ctx.supervisor.ensureClient(session.instance_id);
        const info = await client.fork(session.id, messageId);
        const row = sessionRowOf(session.instance_id, info, "idle");
        if (row) ctx.sessions.upsert(row);
        const forked = requireSession(ctx, info.id);
        return Response.json(forked, {
          status: 201,
          headers: { location: `/api/sessions/${forked.id}` },
        });
      },
    },
    {
      method: "POST",
      path: "/api/sessions/:id/comments",
      summary: "Comment on a diff line: sent to the agent as a message",
      doc: {
        tag: "sessions",
        params: id,
        description:
          "The prompt names the file and line, quotes `quote` (the line or lines commented on) and adds `comment`; the reply streams like any prompt's.",
        body: { schema: bodySchema(COMMENT_BODY) },
        responses: {
          202: { description: "Sent; the session", schema: ref("Session") },
          400: errorDoc(400),
          ...common,
        },
      },
      handler: async ({ req, params }) => {
        const session = requireSession(ctx, params.id!);
        const body = validate(await readJson(req), COMMENT_BODY);
        if (body.comment.trim() === "") {
          throw new BadRequestError(
            'Cannot use field "comment": it is blank',
            "invalid_field",
          );
        }
        const client = await ctx.supervisor.ensureClient(session.instance_id);
        await client.promptAsync(session.id, { text: commentPrompt(body) });
        return Response.json(requireSession(ctx, session.id), {
          status: 202,
        });
      },
    },
    {
      method: "POST",
      path: "/api/sessions/:id/merge",
      summary: "Merge a worktree session's branch into its base",
      doc: {
        tag: "sessions",
        params: id,
        description:
          "Fast-forward when the base has not moved, else a merge commit. Computed without a working tree: a conflict changes nothing (409 `merge_conflict`, `error.files`). Uncommitted changes in the worktree are 409 `uncommitted_changes` (commit them with `/commit`); a base checked out with uncommitted changes is 409 `base_checkout_dirty`; a clean checkout of the base is moved along.",
        responses: {
          200: { description: "Merged", schema: ref("MergeResult") },
          400: errorDoc(400, "The session has no worktree"),
          404: errorDoc(404),
          409: errorDoc(409, "Conflict, or uncommitted changes (files named)"),
        },
      },
      handler: async ({ params }) => {
        const session = requireSession(ctx, params.id!);
        const result = await ctx.worktrees.merge(session.id);
        changed(session, "merge");
        return Response.json(result);
      },
    },
    {
      method: "POST",
      path: "/api/sessions/:id/commit",
      summary: "Commit every change in a worktree session's worktree",
      doc: {
        tag: "sessions",
        params: id,
        body: { schema: bodySchema(COMMIT_BODY) },
        responses: {
          200: { description: "Committed", schema: ref("CommitResult") },
          400: errorDoc(400, "Blank message, or the session has no worktree"),
          404: errorDoc(404),
          409: errorDoc(409, "Nothing to commit, or git lacks an identity"),
        },
      },
      handler: async ({ req, params }) => {
        const session = requireSession(ctx, params.id!);
        const body = validate(await readJson(req), COMMIT_BODY);
        const result = await ctx.worktrees.commit(session.id, body.message);
        changed(session, "commit");
        return Response.json(result);
      },
    },
  ];
}
