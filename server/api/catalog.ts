/**
 * `/api/instances/{id}/…` about what an instance's OpenCode offers: its
 * agents, models (with variants), `/` commands and files (for `@`
 * mentions), plus the instance's usage summed up from Flock's table.
 *
 * @module
 */
import { BadRequestError } from "../http/errors.ts";
import { type ApiContext, requireInstance } from "./api_context.ts";
import { type ApiRoute, arrayOf, errorDoc, ref } from "./openapi.ts";

/** The longest `q` of a file search. */
export const MAX_FILE_QUERY = 500;

const RUNNING_ERRORS = {
  404: errorDoc(404),
  409: errorDoc(409, "The instance is not running"),
  502: errorDoc(502),
};

/** The catalog routes. */
export function catalogRoutes(ctx: ApiContext): ApiRoute[] {
  const params = { id: "The instance id" };
  const catalogOf = async (id: string) =>
    ctx.catalog.get(
      await ctx.supervisor.ensureClient(requireInstance(ctx, id).id),
    );
  return [
    {
      method: "GET",
      path: "/api/instances/:id/agents",
      summary: "The instance's agents",
      doc: {
        tag: "catalog",
        params,
        description:
          "Every agent, hidden ones included: a message can name one whose `mode` is `primary` or `all` and that is not `hidden`.",
        responses: {
          200: { description: "The agents", schema: arrayOf(ref("Agent")) },
          ...RUNNING_ERRORS,
        },
      },
      handler: async ({ params }) =>
        Response.json((await catalogOf(params.id!)).agents),
    },
    {
      method: "GET",
      path: "/api/instances/:id/models",
      summary: "The instance's providers, models and variants",
      doc: {
        tag: "catalog",
        params,
        description:
          "From OpenCode's `GET /config/providers`: each model's `ref` is what a message's `model` takes, its `variants` what `variant` takes, and `context_limit` the context window.",
        responses: {
          200: { description: "The models", schema: ref("Models") },
          ...RUNNING_ERRORS,
        },
      },
      handler: async ({ params }) =>
        Response.json((await catalogOf(params.id!)).models),
    },
    {
      method: "GET",
      path: "/api/instances/:id/commands",
      summary: "The instance's `/` commands",
      doc: {
        tag: "catalog",
        params,
        description:
          "Run one with `POST /api/sessions/{id}/command` (skills included).",
        responses: {
          200: { description: "The commands", schema: arrayOf(ref("Command")) },
          ...RUNNING_ERRORS,
        },
      },
      handler: async ({ params }) =>
        Response.json((await catalogOf(params.id!)).commands),
    },
    {
      method: "GET",
      path: "/api/instances/:id/files",
      summary: "Files of the project matching a query (for `@` mentions)",
      doc: {
        tag: "catalog",
        params,
        description:
          "OpenCode's fuzzy file search in the instance's directory; directories end with `/`.",
        query: [
          {
            name: "q",
            description: "What was typed after `@` (may be empty)",
            schema: { type: "string", maxLength: MAX_FILE_QUERY },
            required: true,
          },
          {
            name: "limit",
            description: "At most this many paths (default 50)",
            schema: { type: "integer", minimum: 1, maximum: 200 },
          },
        ],
        responses: {
          200: {
            description: "Paths relative to the project",
            schema: arrayOf({ type: "string" }),
          },
          400: errorDoc(400),
          ...RUNNING_ERRORS,
        },
      },
      handler: async ({ params, url }) => {
        const instance = requireInstance(ctx, params.id!);
        const q = url.searchParams.get("q");
        if (q === null) {
          throw new BadRequestError(
            'Cannot search files: query "q" is required (it may be empty)',
            "missing_query",
          );
        }
        if (q.length > MAX_FILE_QUERY) {
          throw new BadRequestError(
            `Cannot use query "q": it is longer than ${MAX_FILE_QUERY} characters`,
            "invalid_query",
          );
        }
        const limitText = url.searchParams.get("limit");
        let limit = 50;
        if (limitText !== null) {
          if (
            !/^\d{1,3}$/.test(limitText) || Number(limitText) < 1 ||
            Number(limitText) > 200
          ) {
            throw new BadRequestError(
              `Cannot use query "limit": expected an integer from 1 to 200, got "${
                limitText.slice(0, 20)
              }"`,
              "invalid_query",
            );
          }
          limit = Number(limitText);
        }
        const client = await ctx.supervisor.ensureClient(instance.id);
        return Response.json(await client.findFiles(q, limit));
      },
    },
    {
      method: "GET",
      path: "/api/instances/:id/usage",
      summary: "The instance's tokens, cost and busy sessions, summed up",
      doc: {
        tag: "catalog",
        params,
        description:
          "From Flock's table (readable while the instance is stopped): every recorded session, subagents' child sessions included. The page can keep it current by summing the sessions' `tokens` and `cost` from the events.",
        responses: {
          200: { description: "The roll-up", schema: ref("Usage") },
          404: errorDoc(404),
        },
      },
      handler: ({ params }) => {
        const instance = requireInstance(ctx, params.id!);
        return Response.json(ctx.sessions.usage(instance.id));
      },
    },
  ];
}
