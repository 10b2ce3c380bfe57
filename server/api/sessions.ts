/**
 * `/api/sessions/{id}…`: a session's details, messages, prompts, abort,
 * rename, delete, pending permissions and its filtered event stream.
 *
 * @module
 */
import type { SessionJson } from "../contract/sessions.ts";
import { sessionRowOf } from "../contract/session_row.ts";
import { BadRequestError } from "../http/errors.ts";
import { readJson, type Schema, validate } from "../http/json_body.ts";
import { sseResponse } from "../http/sse.ts";
import type { PromptInput } from "../opencode/opencode_client.ts";
import { OpenCodeHttpError } from "../opencode/opencode_errors.ts";
import { type ApiContext, requireSession } from "./api_context.ts";
import { EVENT_STREAM_DOC, lastEventIdOf } from "./events.ts";
import { tagPermissions } from "./permissions.ts";
import {
  type ApiRoute,
  arrayOf,
  bodySchema,
  errorDoc,
  ref,
} from "./openapi.ts";

/** The body of `POST /api/sessions/{id}/messages`. */
export const SEND_MESSAGE_BODY = {
  text: { type: "string", maxLength: 512 * 1024 },
  agent: { type: "string", optional: true, minLength: 1, maxLength: 200 },
  model: { type: "string", optional: true, minLength: 3, maxLength: 400 },
} as const satisfies Schema;

/** The body of `PATCH /api/sessions/{id}`. */
export const RENAME_SESSION_BODY = {
  title: { type: "string", minLength: 1, maxLength: 1000 },
} as const satisfies Schema;

/** The `model` field's form: `provider/model` (the model id may hold more slashes). */
export const MODEL_PATTERN = /^[^/\s]+\/\S+$/;

/**
 * Parses `"provider/model"` into OpenCode's `{ providerID, modelID }`.
 *
 * @throws {BadRequestError} when the form is wrong.
 * @example
 * ```ts
 * parseModel("fake/fake-model"); // { providerID: "fake", modelID: "fake-model" }
 * parseModel("openrouter/anthropic/claude"); // { providerID: "openrouter", modelID: "anthropic/claude" }
 * ```
 */
export function parseModel(
  model: string,
): { providerID: string; modelID: string } {
  if (!MODEL_PATTERN.test(model)) {
    throw new BadRequestError(
      `Cannot use field "model": expected "provider/model" (e.g. "anthropic/claude-sonnet-4"), got "${
        model.slice(0, 60)
      }"`,
      "invalid_field",
    );
  }
  const slash = model.indexOf("/");
  return { providerID: model.slice(0, slash), modelID: model.slice(slash + 1) };
}

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
      summary: "Delete a session (in OpenCode too)",
      doc: {
        tag: "sessions",
        params: id,
        responses: {
          204: "Deleted",
          404: errorDoc(404),
          409: errorDoc(409, "The instance is not running"),
          502: errorDoc(502),
        },
      },
      handler: async ({ params }) => {
        const session = requireSession(ctx, params.id!);
        try {
          await (await running(session)).deleteSession(session.id);
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
      path: "/api/sessions/:id/messages",
      summary: "The session's messages, as OpenCode returns them",
      doc: {
        tag: "sessions",
        params: id,
        query: [
          {
            name: "limit",
            description: "Only the last N messages",
            schema: { type: "integer", minimum: 1, maximum: 10000 },
          },
          {
            name: "before",
            description: "Only messages before this message id (`msg_…`)",
            schema: { type: "string" },
          },
        ],
        responses: {
          200: {
            description: "`[{ info, parts }]`, oldest first",
            schema: arrayOf(ref("Message")),
          },
          400: errorDoc(400),
          404: errorDoc(404),
          409: errorDoc(409, "The instance is not running"),
          502: errorDoc(502),
        },
      },
      handler: async ({ params, url }) => {
        const session = requireSession(ctx, params.id!);
        const query: { limit?: number; before?: string } = {};
        const limit = url.searchParams.get("limit");
        if (limit !== null) {
          if (!/^\d{1,5}$/.test(limit) || Number(limit) < 1) {
            throw new BadRequestError(
              `Cannot use query "limit": expected an integer from 1 to 10000, got "${
                limit.slice(0, 20)
              }"`,
              "invalid_query",
            );
          }
          query.limit = Math.min(Number(limit), 10_000);
        }
        const before = url.searchParams.get("before");
        if (before !== null && before !== "") query.before = before;
        const messages = await (await running(session)).messages(
          session.id,
          query,
        );
        return Response.json(messages);
      },
    },
    {
      method: "POST",
      path: "/api/sessions/:id/messages",
      summary: "Send a prompt; follow the reply on the event stream",
      doc: {
        tag: "sessions",
        params: id,
        description:
          'Uses OpenCode\'s `prompt_async`: answers 202 at once, and the reply streams as `message.part.delta` events until `session.idle`. `model` is a string `"provider/model"` (the first slash splits it; the model id may contain more slashes).',
        body: {
          schema: bodySchema(SEND_MESSAGE_BODY, {
            text: {
              description: "The prompt; must not be blank",
              minLength: 1,
            },
            agent: "An OpenCode agent, e.g. `build` or `plan`",
            model: {
              description: '"provider/model", e.g. "anthropic/claude-sonnet-4"',
              pattern: MODEL_PATTERN.source,
            },
          }),
        },
        responses: {
          202: { description: "Accepted; the session", schema: ref("Session") },
          400: errorDoc(400),
          404: errorDoc(404),
          409: errorDoc(409, "The instance is not running"),
          502: errorDoc(502),
        },
      },
      handler: async ({ req, params }) => {
        const session = requireSession(ctx, params.id!);
        const body = validate(await readJson(req), SEND_MESSAGE_BODY);
        if (body.text.trim() === "") {
          throw new BadRequestError(
            'Cannot use field "text": it is empty',
            "invalid_field",
          );
        }
        const input: PromptInput = { text: body.text };
        if (body.agent !== undefined) input.agent = body.agent;
        if (body.model !== undefined) input.model = parseModel(body.model);
        await (await running(session)).promptAsync(session.id, input);
        return Response.json(requireSession(ctx, session.id), {
          status: 202,
        });
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
      path: "/api/sessions/:id/permissions",
      summary: "The session's pending permission requests",
      doc: {
        tag: "permissions",
        params: id,
        description:
          "Empty when the instance is not running (a hibernated instance is not woken for this).",
        responses: {
          200: {
            description: "Pending requests",
            schema: arrayOf(ref("Permission")),
          },
          404: errorDoc(404),
          502: errorDoc(502),
        },
      },
      handler: async ({ params }) => {
        const session = requireSession(ctx, params.id!);
        // Flock's own answer for a sleeping instance: nothing is pending
        // (an instance with a pending request never hibernates).
        const client = ctx.supervisor.runningClient(session.instance_id);
        if (!client) return Response.json([]);
        const all = await client.listPermissions();
        return Response.json(
          tagPermissions(
            session.instance_id,
            all.filter((p) => p.sessionID === session.id),
          ),
        );
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
