/**
 * `PATCH /api/instances/{id}` (name, idle timeout) and
 * `POST /api/instances/{id}/hibernate` (put a running local instance to
 * sleep now; the next request that needs it wakes it).
 *
 * @module
 */
import type { InstanceJson } from "../contract/instances.ts";
import { BadRequestError, ConflictError } from "../http/errors.ts";
import { readJson, type Schema, validate } from "../http/json_body.ts";
import type { InstancePatch } from "../db/instance_store.ts";
import { type ApiContext, requireInstance } from "./api_context.ts";
import { type ApiRoute, bodySchema, errorDoc, ref } from "./openapi.ts";

/** The longest idle timeout: 30 days. */
export const MAX_IDLE_TIMEOUT_S = 30 * 24 * 3600;

/** The `idle_timeout_s` field of a body. */
export const IDLE_TIMEOUT_FIELD = {
  type: "number",
  integer: true,
  min: 0,
  max: MAX_IDLE_TIMEOUT_S,
  optional: true,
} as const;

/** The body of `PATCH /api/instances/{id}`. */
export const PATCH_INSTANCE_BODY = {
  name: { type: "string", optional: true, minLength: 1, maxLength: 200 },
  idle_timeout_s: IDLE_TIMEOUT_FIELD,
} as const satisfies Schema;

function publishStatus(ctx: ApiContext, instance: InstanceJson): void {
  ctx.publish({
    type: "instance.status",
    instance_id: instance.id,
    properties: { instance },
  });
}

/** The routes; see the module documentation. */
export function instanceSettingsRoutes(ctx: ApiContext): ApiRoute[] {
  return [
    {
      method: "PATCH",
      path: "/api/instances/:id",
      summary: "Rename an instance or set its idle timeout",
      doc: {
        tag: "instances",
        params: { id: "The instance id" },
        description:
          "`idle_timeout_s`: seconds without activity (no busy session, no pending permission or question, no workflow attempt, no request) before a local instance hibernates; 0 never; `null` goes back to the default (--idle-timeout). A remote instance never hibernates, so it takes no timeout.",
        body: {
          schema: bodySchema(PATCH_INSTANCE_BODY, {
            name: "Display name",
            idle_timeout_s: {
              description:
                "Seconds (0: never hibernate); null: follow --idle-timeout",
              type: ["integer", "null"],
            },
          }),
        },
        responses: {
          200: { description: "The instance", schema: ref("Instance") },
          400: errorDoc(400),
          404: errorDoc(404),
        },
      },
      handler: async ({ req, params }) => {
        const instance = requireInstance(ctx, params.id!);
        const raw = await readJson(req);
        const body = validate(raw, PATCH_INSTANCE_BODY);
        const patch: InstancePatch = {};
        if (body.name !== undefined && body.name !== null) {
          const name = body.name.trim();
          if (!name) {
            throw new BadRequestError(
              'Cannot use field "name": it is blank',
              "invalid_field",
            );
          }
          patch.name = name;
        }
        const timeoutGiven = typeof raw === "object" && raw !== null &&
          "idle_timeout_s" in raw;
        if (timeoutGiven) {
          if (instance.kind === "remote") {
            throw new BadRequestError(
              'Cannot use field "idle_timeout_s" on a remote instance: Flock does not run its server, so it never hibernates',
              "invalid_field",
            );
          }
          patch.idle_timeout_s = body.idle_timeout_s ?? null;
        }
        const updated = ctx.instances.update(instance.id, patch) ??
          requireInstance(ctx, instance.id);
        publishStatus(ctx, updated);
        return Response.json(updated);
      },
    },
    {
      method: "POST",
      path: "/api/instances/:id/hibernate",
      summary: "Put a running local instance to sleep now",
      doc: {
        tag: "instances",
        params: { id: "The instance id" },
        description:
          "Stops its child and every process of it, as the idle timeout would (without checking for activity: busy sessions lose their turn). The next request that needs it wakes it.",
        responses: {
          200: { description: "Hibernated", schema: ref("Instance") },
          404: errorDoc(404),
          409: errorDoc(409, "It is not a running local instance"),
        },
      },
      handler: async ({ params }) => {
        const instance = requireInstance(ctx, params.id!);
        if (!await ctx.supervisor.hibernate(instance.id)) {
          throw new ConflictError(
            `Cannot hibernate instance ${instance.id} as it is ${
              instance.kind === "remote" ? "remote" : instance.status
            }: only a running local instance can hibernate`,
            "instance_not_running",
          );
        }
        return Response.json(requireInstance(ctx, instance.id));
      },
    },
  ];
}
