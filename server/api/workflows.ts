/**
 * `/api/workflows…`: install a workflow (antfarm's format) from a directory
 * or from YAML text, list, inspect and remove installed workflows.
 *
 * @module
 */
import { BadRequestError, NotFoundError } from "../http/errors.ts";
import { readJson, type Schema, validate } from "../http/json_body.ts";
import {
  isInside,
  resolveAllowedDirectory,
} from "../http/allowed_directory.ts";
import { MAX_SPEC_CHARS } from "../workflows/spec.ts";
import {
  loadWorkflow,
  type ReadTextFile,
} from "../workflows/workflow_loader.ts";
import type { ApiContext } from "./api_context.ts";
import { assertReadableDirectory } from "./instances.ts";
import {
  type ApiRoute,
  arrayOf,
  bodySchema,
  errorDoc,
  ref,
} from "./openapi.ts";

/** The body of `POST /api/workflows`: exactly one of the two. */
export const INSTALL_WORKFLOW_BODY = {
  path: { type: "string", optional: true, minLength: 1, maxLength: 4096 },
  yaml: {
    type: "string",
    optional: true,
    minLength: 1,
    maxLength: MAX_SPEC_CHARS,
  },
} as const satisfies Schema;

/**
 * Reads a workflow's files; with `--root`, only files inside a root (after
 * symlinks), so an agent file path cannot reach elsewhere.
 */
export function rootedReader(roots: readonly string[]): ReadTextFile {
  return async (path) => {
    if (roots.length > 0) {
      const real = await Deno.realPath(path);
      const inside = await Promise.all(
        roots.map(async (root) => {
          try {
            return isInside(real, await Deno.realPath(root));
          } catch {
            return false;
          }
        }),
      );
      if (!inside.some(Boolean)) {
        throw new Error(
          `it is outside the allowed roots (${roots.join(", ")})`,
        );
      }
    }
    return await Deno.readTextFile(path);
  };
}

/** The workflow routes. */
export function workflowRoutes(ctx: ApiContext): ApiRoute[] {
  return [
    {
      method: "GET",
      path: "/api/workflows",
      summary: "List installed workflows",
      doc: {
        tag: "workflows",
        responses: {
          200: {
            description:
              "Every installed workflow (its newest revision), by id",
            schema: arrayOf(ref("Workflow")),
          },
        },
      },
      handler: () => Response.json(ctx.workflows.list()),
    },
    {
      method: "POST",
      path: "/api/workflows",
      summary: "Install a workflow from a directory or from YAML",
      doc: {
        tag: "workflows",
        description:
          '`path`: an absolute directory holding `workflow.yml` and the agent files it names (paths may leave the directory, as antfarm\'s `../../agents/shared/…` do; with --root every file must lie inside a root). `yaml`: the spec as text (its agents then name no files). Installing an id that exists adds a revision: runs already started keep theirs. A bad spec answers 400 naming each field (`steps[3].loop.verify_step: no step "verfy"`); a YAML syntax error gives its line and column.',
        body: {
          schema: bodySchema(INSTALL_WORKFLOW_BODY, {
            path: "Absolute directory holding workflow.yml",
            yaml: "The workflow.yml text",
          }),
        },
        responses: {
          201: { description: "Installed", schema: ref("Workflow") },
          400: errorDoc(400, "Invalid spec, or neither/both of path and yaml"),
          403: errorDoc(403),
        },
      },
      handler: async ({ req }) => {
        const body = validate(await readJson(req), INSTALL_WORKFLOW_BODY);
        if ((body.path === undefined) === (body.yaml === undefined)) {
          throw new BadRequestError(
            'Cannot install a workflow: give exactly one of "path" (a directory) or "yaml" (the spec text)',
            "invalid_body",
          );
        }
        let loaded;
        if (body.path !== undefined) {
          const dir = await resolveAllowedDirectory(body.path, ctx.roots);
          await assertReadableDirectory(dir);
          loaded = await loadWorkflow({
            dir,
            readTextFile: rootedReader(ctx.roots),
          });
        } else {
          loaded = await loadWorkflow({ yaml: body.yaml });
        }
        const json = ctx.workflows.install(loaded, Date.now());
        return Response.json(json, {
          status: 201,
          headers: { location: `/api/workflows/${json.id}` },
        });
      },
    },
    {
      method: "GET",
      path: "/api/workflows/:id",
      summary: "Get one installed workflow",
      doc: {
        tag: "workflows",
        params: { id: "The workflow id (from its spec)" },
        responses: {
          200: { description: "The workflow", schema: ref("Workflow") },
          404: errorDoc(404),
        },
      },
      handler: ({ params }) => {
        const json = ctx.workflows.get(params.id!);
        if (!json) {
          throw new NotFoundError(`Cannot find workflow: ${params.id}`);
        }
        return Response.json(json);
      },
    },
    {
      method: "DELETE",
      path: "/api/workflows/:id",
      summary: "Remove an installed workflow",
      doc: {
        tag: "workflows",
        params: { id: "The workflow id" },
        description:
          "Refused (409) while one of its runs is running or blocked. Finished runs keep what they followed.",
        responses: {
          204: "Removed",
          404: errorDoc(404),
          409: errorDoc(409, "A run of the workflow is running or blocked"),
        },
      },
      handler: ({ params }) => {
        ctx.workflows.remove(params.id!, Date.now());
        return new Response(null, { status: 204 });
      },
    },
  ];
}
