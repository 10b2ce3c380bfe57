/**
 * `/api/permissions…`: pending permission requests across instances (from
 * the events, no child is asked), a session's (its subagents' included),
 * and answering one (sent straight to the instance that holds it).
 *
 * @module
 */
import type {
  PermissionJson,
  PermissionReply,
} from "../contract/permissions.ts";
import { NotFoundError } from "../http/errors.ts";
import { readJson, type Schema, validate } from "../http/json_body.ts";
import { OpenCodeHttpError } from "../opencode/opencode_errors.ts";
import { type ApiContext, requireSession } from "./api_context.ts";
import {
  type ApiRoute,
  arrayOf,
  bodySchema,
  errorDoc,
  ref,
} from "./openapi.ts";

/** The body of `POST /api/permissions/{id}`. */
export const REPLY_PERMISSION_BODY = {
  reply: { type: "string", enum: ["once", "always", "reject"] },
  message: { type: "string", optional: true, maxLength: 10_000 },
} as const satisfies Schema;

const REPLIES: readonly PermissionReply[] = ["once", "always", "reject"];

function isReply(value: string): value is PermissionReply {
  return REPLIES.some((reply) => reply === value);
}

/** The permission routes. */
export function permissionRoutes(ctx: ApiContext): ApiRoute[] {
  return [
    {
      method: "GET",
      path: "/api/permissions",
      summary: "Every pending permission request, across instances",
      doc: {
        tag: "permissions",
        description:
          "Kept from the events (`permission.asked`, `permission.replied`) and replaced from each instance's own list after every (re)connect, so no instance is asked and a restarted instance's dead requests are gone. Each carries `root_session_id`.",
        responses: {
          200: {
            description: "Pending requests, oldest first",
            schema: arrayOf(ref("Permission")),
          },
        },
      },
      handler: () => Response.json(ctx.pending.permissions()),
    },
    {
      method: "GET",
      path: "/api/sessions/:id/permissions",
      summary:
        "A session's pending permission requests (its subagents' included)",
      doc: {
        tag: "permissions",
        params: { id: "The session id (OpenCode's `ses_…`)" },
        description: "Empty when the instance is not running.",
        responses: {
          200: {
            description: "Pending requests, oldest first",
            schema: arrayOf(ref("Permission")),
          },
          404: errorDoc(404),
        },
      },
      handler: ({ params }) => {
        const session = requireSession(ctx, params.id!);
        return Response.json(
          ctx.pending.permissions().filter((p) =>
            p.sessionID === session.id || p.root_session_id === session.id
          ),
        );
      },
    },
    {
      method: "POST",
      path: "/api/permissions/:id",
      summary: "Answer a permission request",
      doc: {
        tag: "permissions",
        params: { id: "The permission id (OpenCode's `per_…`)" },
        body: {
          schema: bodySchema(REPLY_PERMISSION_BODY, {
            reply:
              "`once` allows this call, `always` adds the rule, `reject` refuses",
            message: "An optional note for the agent",
          }),
        },
        responses: {
          200: {
            description: "Answered",
            schema: {
              type: "object",
              required: ["id", "instance_id", "reply"],
              properties: {
                id: { type: "string" },
                instance_id: { type: "string" },
                reply: { type: "string", enum: ["once", "always", "reject"] },
              },
            },
          },
          400: errorDoc(400),
          404: errorDoc(404, "No running instance holds this request"),
          409: errorDoc(409, "Its instance is not running"),
          502: errorDoc(502),
        },
      },
      handler: async ({ req, params }) => {
        const id = params.id!;
        const body = validate(await readJson(req), REPLY_PERMISSION_BODY);
        const holder: PermissionJson | undefined = ctx.pending.permission(id);
        if (!holder) {
          throw new NotFoundError(
            `Cannot find a pending permission request: ${id}`,
          );
        }
        const reply = isReply(body.reply) ? body.reply : "reject";
        // OpenCode finds a request only in its session's directory (a
        // worktree's, for a worktree session).
        const directory = ctx.sessions.get(
          holder.root_session_id ?? holder.sessionID,
        )?.directory;
        try {
          await (await ctx.supervisor.ensureClient(holder.instance_id))
            .replyPermission(
              id,
              reply,
              body.message,
              directory === undefined ? {} : { directory },
            );
        } catch (error) {
          if (error instanceof OpenCodeHttpError && error.status === 404) {
            ctx.pending.forget(id);
            throw new NotFoundError(
              `Cannot find a pending permission request: ${id} (it is no longer pending in its instance)`,
              { cause: error },
            );
          }
          throw error;
        }
        ctx.pending.forget(id);
        return Response.json({ id, instance_id: holder.instance_id, reply });
      },
    },
  ];
}
