/**
 * `/api/permissions…`: pending permission requests across every running
 * instance, and answering one (Flock finds the instance that holds it).
 *
 * @module
 */
import type { OpenCodePermission } from "../contract/opencode.ts";
import type {
  PermissionJson,
  PermissionReply,
} from "../contract/permissions.ts";
import { NotFoundError } from "../http/errors.ts";
import { readJson, type Schema, validate } from "../http/json_body.ts";
import { log } from "../log.ts";
import type { OpenCodeClient } from "../opencode/opencode_client.ts";
import type { ApiContext } from "./api_context.ts";
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

/** Adds `instance_id` to OpenCode's permission requests. */
export function tagPermissions(
  instanceId: string,
  list: readonly OpenCodePermission[],
): PermissionJson[] {
  return list.map((p) => ({ ...p, instance_id: instanceId }));
}

/**
 * The clients of every running instance (a hibernated one is not woken:
 * an instance with a pending request never hibernates).
 */
function runningClients(
  ctx: ApiContext,
): { instanceId: string; client: OpenCodeClient }[] {
  const out = [];
  for (const instance of ctx.instances.list()) {
    if (instance.status !== "running") continue;
    const client = ctx.supervisor.runningClient(instance.id);
    if (client) out.push({ instanceId: instance.id, client });
  }
  return out;
}

/** Every pending request of every running instance; unreachable ones are skipped. */
async function allPermissions(ctx: ApiContext): Promise<PermissionJson[]> {
  const results = await Promise.allSettled(
    runningClients(ctx).map(async ({ instanceId, client }) =>
      tagPermissions(instanceId, await client.listPermissions())
    ),
  );
  const out: PermissionJson[] = [];
  for (const r of results) {
    if (r.status === "fulfilled") out.push(...r.value);
    else log.warn("Cannot list the permissions of an instance:", r.reason);
  }
  return out;
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
          "Asks every running instance; one that cannot be reached is left out (and logged).",
        responses: {
          200: {
            description: "Pending requests",
            schema: arrayOf(ref("Permission")),
          },
        },
      },
      handler: async () => Response.json(await allPermissions(ctx)),
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
          502: errorDoc(502),
        },
      },
      handler: async ({ req, params }) => {
        const id = params.id!;
        const body = validate(await readJson(req), REPLY_PERMISSION_BODY);
        const holder = (await allPermissions(ctx)).find((p) => p.id === id);
        if (!holder) {
          throw new NotFoundError(
            `Cannot find a pending permission request: ${id}`,
          );
        }
        const reply = body.reply as PermissionReply;
        const client = await ctx.supervisor.ensureClient(holder.instance_id);
        await client.replyPermission(
          id,
          reply,
          body.message,
        );
        return Response.json({ id, instance_id: holder.instance_id, reply });
      },
    },
  ];
}
