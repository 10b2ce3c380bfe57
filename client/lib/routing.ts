/**
 * The page's URL routes. The open session lives in the hash (`#/s/<id>`), so
 * the path is always `/` and the service worker's navigation fallback (which
 * serves `/index.html` for every navigation) never has to know about routes.
 *
 * @module
 */

/** Where the page is. */
export type Route =
  | { readonly kind: "home" }
  | { readonly kind: "session"; readonly sessionId: string }
  /** An instance's log (its OpenCode's output). */
  | { readonly kind: "logs"; readonly instanceId: string }
  /** The workflow board (`#/w`, or one workflow's: `#/w/<workflowId>`). */
  | { readonly kind: "board"; readonly workflowId: string | null }
  /** A run's page (`#/r/<runId>`). */
  | { readonly kind: "run"; readonly runId: string }
  /** Search across sessions (`#/search`, `#/search?q=<words>`). */
  | { readonly kind: "search"; readonly query: string };

/** The home route. */
export const HOME_ROUTE: Route = Object.freeze({ kind: "home" });

/**
 * Parses `location.hash`: `#/s/<sessionId>`, `#/i/<instanceId>/logs`,
 * `#/w[/<workflowId>]`, `#/r/<runId>`, or home.
 *
 * @param hash The hash, with or without the leading `#`.
 * @returns The route; anything unknown is home.
 * @example
 * ```ts
 * parseRoute("#/s/ses_1"); // { kind: "session", sessionId: "ses_1" }
 * ```
 */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "");
  const board = /^\/w(?:\/([^/?#]+))?\/?$/.exec(path);
  if (board) {
    const workflowId = segment(board[1]);
    if (board[1] === undefined || workflowId !== undefined) {
      return { kind: "board", workflowId: workflowId ?? null };
    }
  }
  const search = /^\/search\/?(?:\?q=([^#]*))?$/.exec(path);
  if (search) {
    let query = "";
    try {
      query = decodeURIComponent((search[1] ?? "").replace(/\+/g, " "));
    } catch {
      // a malformed escape searches for nothing
    }
    return { kind: "search", query };
  }
  const run = /^\/r\/([^/?#]+)\/?$/.exec(path);
  const runId = segment(run?.[1]);
  if (runId !== undefined) return { kind: "run", runId };
  const session = /^\/s\/([^/?#]+)\/?$/.exec(path);
  const sessionId = segment(session?.[1]);
  if (sessionId !== undefined) return { kind: "session", sessionId };
  const logs = /^\/i\/([^/?#]+)\/logs\/?$/.exec(path);
  const instanceId = segment(logs?.[1]);
  if (instanceId !== undefined) return { kind: "logs", instanceId };
  return HOME_ROUTE;
}

/** A decoded, non-blank path segment, or undefined. */
function segment(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const value = decodeURIComponent(raw);
    return value.trim() === "" ? undefined : value;
  } catch {
    return undefined; // a malformed escape is an unknown route
  }
}

/**
 * Formats a route as a hash.
 *
 * @param route The route.
 * @returns `#/`, `#/s/<id>`, `#/i/<id>/logs`, `#/w`, `#/w/<id>` or `#/r/<id>`.
 */
export function formatRoute(route: Route): string {
  switch (route.kind) {
    case "session":
      return `#/s/${encodeURIComponent(route.sessionId)}`;
    case "logs":
      return `#/i/${encodeURIComponent(route.instanceId)}/logs`;
    case "board":
      return route.workflowId === null
        ? "#/w"
        : `#/w/${encodeURIComponent(route.workflowId)}`;
    case "run":
      return `#/r/${encodeURIComponent(route.runId)}`;
    case "search":
      return route.query === ""
        ? "#/search"
        : `#/search?q=${encodeURIComponent(route.query)}`;
    default:
      return "#/";
  }
}

/**
 * Whether two routes are the same place.
 *
 * @param a One route.
 * @param b The other.
 * @returns True when they format the same.
 */
export function sameRoute(a: Route, b: Route): boolean {
  return formatRoute(a) === formatRoute(b);
}
