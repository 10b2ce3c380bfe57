/**
 * `GET /api/search?q=`: sessions of every instance found by title and
 * message text, with highlighted snippets, from Flock's own index (no
 * instance is asked, so stopped instances are searched too).
 *
 * @module
 */
import { BadRequestError } from "../http/errors.ts";
import { MAX_QUERY_LENGTH } from "../events/search_index.ts";
import type { ApiContext } from "./api_context.ts";
import { type ApiRoute, errorDoc, ref } from "./openapi.ts";

/** The search route. */
export function searchRoutes(ctx: ApiContext): ApiRoute[] {
  return [
    {
      method: "GET",
      path: "/api/search",
      summary: "Find sessions by title and message text",
      doc: {
        tag: "search",
        description:
          "Every word must appear (each as a prefix: `colo` finds colour); results are sessions, most relevant first, each with up to 3 hits whose `snippet` is a list of segments (`hit: true` marks a match; never HTML). Fed from the events (titles, user text, replies as they complete) and from messages fetched through the API; works for stopped instances.",
        query: [
          {
            name: "q",
            description: "What to look for",
            schema: {
              type: "string",
              minLength: 1,
              maxLength: MAX_QUERY_LENGTH,
            },
            required: true,
          },
          {
            name: "limit",
            description: "At most this many sessions (default 20)",
            schema: { type: "integer", minimum: 1, maximum: 100 },
          },
        ],
        responses: {
          200: { description: "The sessions found", schema: ref("Search") },
          400: errorDoc(400, "An empty, wordless or too long query"),
        },
      },
      handler: ({ url }) => {
        const q = url.searchParams.get("q");
        if (q === null) {
          throw new BadRequestError(
            'Cannot search: query "q" is required',
            "missing_query",
          );
        }
        const limitText = url.searchParams.get("limit");
        let limit = 20;
        if (limitText !== null) {
          if (
            !/^\d{1,3}$/.test(limitText) || Number(limitText) < 1 ||
            Number(limitText) > 100
          ) {
            throw new BadRequestError(
              `Cannot use query "limit": expected an integer from 1 to 100, got "${
                limitText.slice(0, 20)
              }"`,
              "invalid_query",
            );
          }
          limit = Number(limitText);
        }
        return Response.json(ctx.search.search(q, limit));
      },
    },
  ];
}
