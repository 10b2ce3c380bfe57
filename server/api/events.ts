/**
 * `GET /api/events`: every instance's events on one SSE stream (the PWA's
 * connection), and the pieces the filtered session stream shares with it.
 *
 * @module
 */
import { sseResponse } from "../http/sse.ts";
import type { ApiContext } from "./api_context.ts";
import type { ApiRoute, RouteDoc } from "./openapi.ts";

/**
 * The client's resume point: the `Last-Event-ID` header (what `EventSource`
 * sends on reconnect) wins over the `?last_event_id=` query (for curl and
 * first connections).
 */
export function lastEventIdOf(req: Request, url: URL): string | null {
  return req.headers.get("last-event-id") ??
    url.searchParams.get("last_event_id");
}

/*
 * Event stream handlers do not pass `req.signal` to the broker: in Deno 2.9
 * merely reading it prints a "legacy abort" warning on every SSE response.
 * A client that disconnects cancels the response body instead, which the
 * broker handles (tested over real HTTP in events_test.ts).
 */

/** The documentation every event stream shares. */
export const EVENT_STREAM_DOC: RouteDoc = {
  tag: "events",
  description:
    "Each event has `id:` (increasing, unique across Flock restarts), `event:` (the type) and JSON `data:`. The stream starts with `retry:` and, on a fresh connection, an id-only frame that anchors Last-Event-ID. Reconnect with `Last-Event-ID` (or `?last_event_id=`) to get every later event from the replay buffer, without gaps or duplicates; an id that is too old, unknown or from before a restart gets `stream.reset` (refetch over REST), then live events. A client that falls too far behind gets `stream.lagged` and is disconnected; reconnecting with that event's id resumes. Comments (`: keepalive`) are sent after 15 s without traffic.",
  headers: [
    {
      name: "Last-Event-ID",
      description: "Resume after this event id",
      schema: { type: "string" },
    },
  ],
  query: [
    {
      name: "last_event_id",
      description: "Resume after this event id (the header wins)",
      schema: { type: "string" },
    },
  ],
  responses: { 200: { description: "An event stream", sse: true } },
};

/** The all-events stream route. */
export function eventRoutes(ctx: ApiContext): ApiRoute[] {
  return [
    {
      method: "GET",
      path: "/api/events",
      summary: "SSE: every instance's events",
      doc: {
        ...EVENT_STREAM_DOC,
        query: [
          ...(EVENT_STREAM_DOC.query ?? []),
          {
            name: "instance_id",
            description: "Only this instance's events",
            schema: { type: "string" },
          },
        ],
      },
      handler: ({ req, url }) => {
        const instanceId = url.searchParams.get("instance_id");
        return sseResponse(ctx.broker.subscribe({
          ...(instanceId ? { instanceId } : {}),
          lastEventId: lastEventIdOf(req, url),
        }));
      },
    },
  ];
}
