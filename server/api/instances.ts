/**
 * `/api/instances…`: create, list, inspect, restart, stop and delete
 * supervised OpenCode children, and list their sessions and output.
 *
 * @module
 */
import type { InstanceJson } from "../contract/instances.ts";
import { BadRequestError, ConflictError } from "../http/errors.ts";
import { readJson, type Schema, validate } from "../http/json_body.ts";
import { resolveAllowedDirectory } from "../http/allowed_directory.ts";
import { log } from "../log.ts";
import { assertNoActiveRun } from "./runs.ts";
import { createSession, createSessionBodySchema } from "./session_create.ts";
import {
  type ApiContext,
  forceOf,
  newInstanceId,
  requireInstance,
} from "./api_context.ts";
import { IDLE_TIMEOUT_FIELD } from "./instance_settings.ts";
import { ATTACH_REMOTE_BODY, attachRemote } from "./remote_instances.ts";
import {
  type ApiRoute,
  arrayOf,
  bodySchema,
  errorDoc,
  ref,
} from "./openapi.ts";

/** The body of `POST /api/instances`. */
export const CREATE_INSTANCE_BODY = {
  working_directory: { type: "string", minLength: 1, maxLength: 4096 },
  name: { type: "string", optional: true, minLength: 1, maxLength: 200 },
  idle_timeout_s: IDLE_TIMEOUT_FIELD,
} as const satisfies Schema;

/** The body of `POST /api/instances/{id}/sessions`. */
export const CREATE_SESSION_BODY = {
  title: { type: "string", optional: true, maxLength: 1000 },
} as const satisfies Schema;

/**
 * Checks that a real directory can be listed (a readable directory).
 *
 * @throws {BadRequestError}
 */
export async function assertReadableDirectory(path: string): Promise<void> {
  try {
    for await (const _ of Deno.readDir(path)) break;
  } catch (error) {
    throw new BadRequestError(
      `Cannot use the directory as Flock cannot read it: ${path} (${
        error instanceof Error ? error.message : String(error)
      })`,
      "directory_unreadable",
    );
  }
}

/** The last path segment, or the path itself for a root. */
export function baseName(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, "");
  const i = Math.max(trimmed.lastIndexOf("/"), trimmed.lastIndexOf("\\"));
  const name = trimmed.slice(i + 1);
  return name === "" ? path : name;
}

function publishStatus(ctx: ApiContext, instance: InstanceJson): void {
  ctx.publish({
    type: "instance.status",
    instance_id: instance.id,
    properties: { instance },
  });
}

/** The instance routes. */
export function instanceRoutes(ctx: ApiContext): ApiRoute[] {
  return [
    {
      method: "GET",
      path: "/api/instances",
      summary: "List instances, newest first",
      doc: {
        tag: "instances",
        responses: {
          200: {
            description: "Every instance",
            schema: arrayOf(ref("Instance")),
          },
        },
      },
      handler: () => {
        ctx.memory.wanted();
        return Response.json(ctx.instances.list());
      },
    },
    {
      method: "POST",
      path: "/api/instances",
      summary:
        "Create an instance for a directory and start it, or attach a remote OpenCode server",
      doc: {
        tag: "instances",
        description:
          "With `working_directory`: the directory must be absolute, exist and be a readable directory (it is normalised with realpath) and, with --root, lie inside an allowed root; Flock starts an `opencode serve` there. With `url`: Flock attaches an `opencode serve` it did not start (`kind: remote`), after checking that it may connect to its host (else 400 `remote_not_permitted`, naming the --remote-host flag to add), that it answers (`remote_unreachable`), accepts the password (`remote_unauthorized`, for a 401) and is OpenCode (`remote_not_opencode`). The password is stored in Flock's database only and never shown. Answers at once with the instance in `starting`; follow `instance.status` events (or poll) until it is `running`.",
        body: {
          schema: {
            oneOf: [
              bodySchema(CREATE_INSTANCE_BODY, {
                working_directory: "Absolute path of the project directory",
                name: "Display name; defaults to the directory's base name",
                idle_timeout_s:
                  "Seconds without activity before it hibernates (0: never); default --idle-timeout",
              }),
              bodySchema(ATTACH_REMOTE_BODY, {
                url:
                  "The server, `http://host:port` (`http://user@host:port` for a user other than `opencode`)",
                password: "Its OPENCODE_SERVER_PASSWORD, if it has one",
                name: "Display name; defaults to its directory @ host",
              }),
            ],
          },
        },
        responses: {
          201: {
            description: "Created, in `starting`",
            schema: ref("Instance"),
          },
          400: errorDoc(400),
          403: errorDoc(403),
          409: errorDoc(
            409,
            "An instance for this directory is already starting or running",
          ),
          429: errorDoc(429),
        },
      },
      handler: async ({ req }) => {
        const raw = await readJson(req);
        if (typeof raw === "object" && raw !== null && "url" in raw) {
          return await attachRemote(ctx, raw, (i) => publishStatus(ctx, i));
        }
        const body = validate(raw, CREATE_INSTANCE_BODY);
        const name = body.name?.trim();
        if (body.name !== undefined && !name) {
          throw new BadRequestError(
            'Cannot use field "name": it is blank',
            "invalid_field",
          );
        }
        const dir = await resolveAllowedDirectory(
          body.working_directory,
          ctx.roots,
        );
        await assertReadableDirectory(dir);
        // No await between the check and the insert: two requests cannot race.
        const active = ctx.instances.findActiveByDirectory(dir);
        if (active) {
          throw new ConflictError(
            `Cannot create an instance for ${dir} as instance ${active.id} is already ${active.status} there`,
            "instance_exists",
          );
        }
        const instance = ctx.instances.create({
          id: newInstanceId(),
          name: name ?? baseName(dir),
          working_directory: dir,
          idle_timeout_s: body.idle_timeout_s ?? null,
        });
        publishStatus(ctx, instance);
        ctx.supervisor.start(instance.id);
        return Response.json(instance, {
          status: 201,
          headers: { location: `/api/instances/${instance.id}` },
        });
      },
    },
    {
      method: "GET",
      path: "/api/instances/:id",
      summary: "Get one instance",
      doc: {
        tag: "instances",
        params: { id: "The instance id (`inst_…`)" },
        responses: {
          200: { description: "The instance", schema: ref("Instance") },
          404: errorDoc(404),
        },
      },
      handler: ({ params }) => {
        ctx.memory.wanted();
        return Response.json(requireInstance(ctx, params.id!));
      },
    },
    {
      method: "DELETE",
      path: "/api/instances/:id",
      summary:
        "Stop an instance and remove it with its sessions and their worktrees",
      doc: {
        tag: "instances",
        params: { id: "The instance id" },
        description:
          "Removes the worktrees Flock made for its sessions, and each branch once merged into its base. When one has uncommitted files or unmerged commits it answers 409 `worktrees_have_work` (`error.worktrees`: session, branch, base, path, files, unmerged commits) before changing anything, unless `force=true`, which removes them anyway but still keeps every unmerged branch. Then stops the child (aborting busy sessions, SIGTERM then SIGKILL), deletes the row and Flock's record of its sessions (OpenCode's own data stays), and publishes `instance.removed`. A remote instance is only disconnected and forgotten, with its password; its server keeps running.",
        query: [{
          name: "force",
          description:
            "`true` removes worktrees with uncommitted or unmerged work",
          schema: { type: "boolean" },
        }],
        responses: {
          204: "Removed",
          400: errorDoc(400),
          404: errorDoc(404),
          409: errorDoc(
            409,
            "A workflow run is running or blocked in it, or its sessions' worktrees have work to lose",
          ),
        },
      },
      handler: async ({ params, url }) => {
        const instance = requireInstance(ctx, params.id!);
        const force = forceOf(url);
        assertNoActiveRun(ctx, instance.id);
        // Refuse before stopping anything; removeAll checks again once the
        // agents are stopped, so nothing written meanwhile is lost.
        if (!force) await ctx.worktrees.assertNoWorkToLose(instance.id);
        try {
          await ctx.supervisor.forget(instance.id);
        } catch (error) {
          log.error(`Cannot stop instance ${instance.id} cleanly:`, error);
        }
        await ctx.worktrees.removeAll(instance.id, force);
        if (ctx.instances.delete(instance.id)) {
          ctx.publish({
            type: "instance.removed",
            instance_id: instance.id,
            properties: {},
          });
        }
        return new Response(null, { status: 204 });
      },
    },
    {
      method: "POST",
      path: "/api/instances/:id/restart",
      summary: "Restart an instance (or start a stopped one)",
      doc: {
        tag: "instances",
        params: { id: "The instance id" },
        description:
          "Stops the child if it runs, then starts a new one with a fresh restart counter (a remote instance: disconnects and connects again; the server itself is never restarted). Answers once the new start has begun.",
        responses: {
          202: {
            description: "Restarting; the instance as it is now",
            schema: ref("Instance"),
          },
          404: errorDoc(404),
          409: errorDoc(
            409,
            "Another instance is active for the same directory",
          ),
        },
      },
      handler: async ({ params }) => {
        const instance = requireInstance(ctx, params.id!);
        const other = ctx.instances.findActiveByDirectory(
          instance.working_directory,
        );
        if (other && other.id !== instance.id) {
          throw new ConflictError(
            `Cannot start instance ${instance.id} as instance ${other.id} is already ${other.status} in ${instance.working_directory}`,
            "instance_exists",
          );
        }
        await ctx.supervisor.restart(instance.id);
        return Response.json(requireInstance(ctx, instance.id), {
          status: 202,
        });
      },
    },
    {
      method: "POST",
      path: "/api/instances/:id/stop",
      summary: "Stop an instance but keep it",
      doc: {
        tag: "instances",
        params: { id: "The instance id" },
        description:
          "A local instance: aborts busy sessions and stops its child and every process of it. A remote instance: Flock disconnects (no more events or health checks); the server keeps running.",
        responses: {
          200: { description: "Stopped", schema: ref("Instance") },
          404: errorDoc(404),
        },
      },
      handler: async ({ params }) => {
        const instance = requireInstance(ctx, params.id!);
        await ctx.supervisor.stop(instance.id);
        return Response.json(requireInstance(ctx, instance.id));
      },
    },
    {
      method: "GET",
      path: "/api/instances/:id/logs",
      summary: "The child's recent output lines",
      doc: {
        tag: "instances",
        params: { id: "The instance id" },
        responses: {
          200: { description: "Oldest first", schema: arrayOf(ref("LogLine")) },
          404: errorDoc(404),
        },
      },
      handler: ({ params }) => {
        const instance = requireInstance(ctx, params.id!);
        return Response.json(ctx.supervisor.logs(instance.id));
      },
    },
    {
      method: "GET",
      path: "/api/instances/:id/sessions",
      summary: "List the instance's sessions",
      doc: {
        tag: "sessions",
        params: { id: "The instance id" },
        description:
          "The root sessions Flock records for the instance; with `children=true`, followed by the subagents' child sessions (each with `parent_id`). Reads only: the list follows OpenCode's `session.*` events (so sessions made in the TUI appear too) and is reconciled with OpenCode's own list each time Flock (re)connects to the instance's event stream.",
        query: [{
          name: "children",
          description: "Also list the subagents' child sessions",
          schema: { type: "string", enum: ["true", "false"] },
        }],
        responses: {
          200: { description: "Newest first", schema: arrayOf(ref("Session")) },
          400: errorDoc(400),
          404: errorDoc(404),
        },
      },
      handler: ({ params, url }) => {
        const instance = requireInstance(ctx, params.id!);
        const children = url.searchParams.get("children");
        if (children !== null && children !== "true" && children !== "false") {
          throw new BadRequestError(
            `Cannot use query "children": expected true or false, got "${
              children.slice(0, 20)
            }"`,
            "invalid_query",
          );
        }
        const roots = ctx.sessions.listByInstance(instance.id);
        return Response.json(
          children === "true"
            ? [...roots, ...ctx.sessions.listChildrenByInstance(instance.id)]
            : roots,
        );
      },
    },
    {
      method: "POST",
      path: "/api/instances/:id/sessions",
      summary: "Create a session in a running instance",
      doc: {
        tag: "sessions",
        params: { id: "The instance id" },
        body: { schema: createSessionBodySchema(), required: false },
        responses: {
          201: { description: "Created", schema: ref("Session") },
          400: errorDoc(400),
          404: errorDoc(404),
          409: errorDoc(
            409,
            "The instance is not running, or the worktree's branch exists",
          ),
          502: errorDoc(502),
        },
      },
      handler: async ({ req, params }) => {
        const instance = requireInstance(ctx, params.id!);
        const session = await createSession(
          ctx,
          instance,
          await readJson(req, { allowEmpty: true }),
        );
        return Response.json(session, {
          status: 201,
          headers: { location: `/api/sessions/${session.id}` },
        });
      },
    },
  ];
}
