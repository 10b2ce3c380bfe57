/**
 * `/api/sessions/{id}…`: a session's details, rename, delete, abort, its
 * subagents' child sessions, its todo list and its filtered event stream.
 * Messages and the queue are in `messages.ts`; pending requests in
 * `permissions.ts` and `questions.ts`.
 *
 * @module
 */
import type { SessionJson } from "../contract/sessions.ts";
import { sessionRowOf } from "../contract/session_row.ts";
import { BadRequestError } from "../http/errors.ts";
import { readJson, type Schema, validate } from "../http/json_body.ts";
import { sseResponse } from "../http/sse.ts";
import { OpenCodeHttpError } from "../opencode/opencode_errors.ts";
import { type ApiContext, forceOf, requireSession } from "./api_context.ts";
import { EVENT_STREAM_DOC, lastEventIdOf } from "./events.ts";
import {
  type ApiRoute,
  arrayOf,
  bodySchema,
  errorDoc,
  ref,
} from "./openapi.ts";

/** The body of `PATCH /api/sessions/{id}`. */
export const RENAME_SESSION_BODY = {
  title: { type: "string", minLength: 1, maxLength: 1000 },
} as const satisfies Schema;

/** The session routes (except listing/creating, which live under instances). */
export function sessionRoutes(ctx: ApiContext): ApiRoute[] {
  const id = { id: "The session id (OpenCode's `ses_…`)" };
  const running = (session: SessionJson) =>
    ctx.supervisor.ensureClient(session.instance_id);
  return [
    {
      method: "GET",
      path: "/api/sessions/:id",
      summary: "Get one session",
      doc: {
        tag: "sessions",
        params: id,
        responses: {
          200: { description: "The session", schema: ref("Session") },
          404: errorDoc(404),
        },
      },
      handler: ({ params }) => Response.json(requireSession(ctx, params.id!)),
    },
    {
      method: "PATCH",
      path: "/api/sessions/:id",
      summary: "Rename a session",
      doc: {
        tag: "sessions",
        params: id,
        body: { schema: bodySchema(RENAME_SESSION_BODY) },
        responses: {
          200: { description: "The renamed session", schema: ref("Session") },
          400: errorDoc(400),
          404: errorDoc(404),
          409: errorDoc(409, "The instance is not running"),
          502: errorDoc(502),
        },
      },
      handler: async ({ req, params }) => {
        const session = requireSession(ctx, params.id!);
        const body = validate(await readJson(req), RENAME_SESSION_BODY);
        const title = body.title.trim();
        if (title === "") {
          throw new BadRequestError(
            'Cannot use field "title": it is blank',
            "invalid_field",
          );
        }
        const updated = await (await running(session)).updateSession(
          session.id,
          {
            title,
          },
        );
        const row = sessionRowOf(session.instance_id, updated, session.status);
        if (row) ctx.sessions.upsert(row);
        else ctx.sessions.setTitle(session.id, title);
        return Response.json(requireSession(ctx, session.id));
      },
    },
    {
      method: "DELETE",
      path: "/api/sessions/:id",
      summary:
        "Delete a session (in OpenCode too), and its worktree unless a fork still uses it",
      doc: {
        tag: "sessions",
        params: id,
        description:
          "A worktree belongs to the session it was made for; its forks run in it too. Deleting a fork never touches the worktree. Deleting the owner while a fork still runs there hands the worktree (branch, base, uncommitted files) to the oldest such fork and removes nothing. Otherwise the worktree is removed first, and its branch too once merged (an unmerged branch is kept even with `force`); uncommitted or unmerged work is 409 (`uncommitted_changes` with `error.files`, `unmerged_work`) unless `force=true`.",
        query: [{
          name: "force",
          description:
            "`true` removes a worktree with uncommitted or unmerged work",
          schema: { type: "boolean" },
        }],
        responses: {
          204: "Deleted",
          400: errorDoc(400),
          404: errorDoc(404),
          409: errorDoc(
            409,
            "The instance is not running, or the worktree has work to lose",
          ),
          502: errorDoc(502),
        },
      },
      handler: async ({ params, url }) => {
        const session = requireSession(ctx, params.id!);
        const force = forceOf(url);
        const client = await running(session);
        await ctx.worktrees.release(session.id, force);
        try {
          await client.deleteSession(session.id);
        } catch (error) {
          // Already gone upstream: forget it here too.
          if (!(error instanceof OpenCodeHttpError && error.status === 404)) {
            throw error;
          }
        }
        ctx.sessions.delete(session.id);
        return new Response(null, { status: 204 });
      },
    },
    {
      method: "GET",
      path: "/api/sessions/:id/children",
      summary: "The session's subagent (child) sessions",
      doc: {
        tag: "sessions",
        params: id,
        description:
          "The child sessions the session's `task` tool calls started (each with `parent_id`), oldest first. Each can be opened and aborted on its own.",
        responses: {
          200: {
            description: "Oldest first",
            schema: arrayOf(ref("Session")),
          },
          404: errorDoc(404),
        },
      },
      handler: ({ params }) => {
        const session = requireSession(ctx, params.id!);
        return Response.json(ctx.sessions.listChildren(session.id));
      },
    },
    {
      method: "GET",
      path: "/api/sessions/:id/todos",
      summary: "The session's todo list",
      doc: {
        tag: "sessions",
        params: id,
        description:
          "OpenCode's todo list of the session (its `todowrite` tool); `todo.updated` events carry each new list.",
        responses: {
          200: { description: "In order", schema: arrayOf(ref("Todo")) },
          404: errorDoc(404),
          409: errorDoc(409, "The instance is not running"),
          502: errorDoc(502),
        },
      },
      handler: async ({ params }) => {
        const session = requireSession(ctx, params.id!);
        return Response.json(await (await running(session)).todos(session.id));
      },
    },
    {
      method: "POST",
      path: "/api/sessions/:id/abort",
      summary: "Abort the session's running reply",
      doc: {
        tag: "sessions",
        params: id,
        description:
          "OpenCode emits `session.error` (MessageAbortedError), then the session goes idle. Aborting an idle session is harmless.",
        responses: {
          200: {
            description: "Whether OpenCode accepted the abort",
            schema: {
              type: "object",
              required: ["aborted"],
              properties: { aborted: { type: "boolean" } },
            },
          },
          404: errorDoc(404),
          409: errorDoc(409, "The instance is not running"),
          502: errorDoc(502),
        },
      },
      handler: async ({ params }) => {
        const session = requireSession(ctx, params.id!);
        const aborted = await (await running(session)).abort(session.id);
        return Response.json({ aborted: aborted === true });
      },
    },
    {
      method: "GET",
      path: "/api/sessions/:id/events",
      summary: "SSE: this session's events and its instance's status",
      doc: {
        ...EVENT_STREAM_DOC,
        tag: "sessions",
        params: id,
        description:
          "Filtered on the server: the session's OpenCode events (tagged with `instance_id`) and `instance.status` / `instance.removed` of its instance. " +
          (EVENT_STREAM_DOC.description ?? ""),
        responses: { ...EVENT_STREAM_DOC.responses, 404: errorDoc(404) },
      },
      handler: ({ req, url, params }) => {
        const session = requireSession(ctx, params.id!);
        return sseResponse(ctx.broker.subscribe({
          sessionId: session.id,
          instanceId: session.instance_id,
          lastEventId: lastEventIdOf(req, url),
        }));
      },
    },
  ];
}
