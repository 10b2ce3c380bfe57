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
  | { readonly kind: "logs"; readonly instanceId: string };

/** The home route. */
export const HOME_ROUTE: Route = Object.freeze({ kind: "home" });

/**
 * Parses `location.hash`: `#/s/<sessionId>`, `#/i/<instanceId>/logs`, or
 * home.
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
  const session = /^\/s\/([^/?#]+)\/?$/.exec(path);
  const sessionId = decoded(session?.[1]);
  if (sessionId !== undefined) return { kind: "session", sessionId };
  const logs = /^\/i\/([^/?#]+)\/logs\/?$/.exec(path);
  const instanceId = decoded(logs?.[1]);
  if (instanceId !== undefined) return { kind: "logs", instanceId };
  return HOME_ROUTE;
}

/** A decoded, non-blank path segment, or undefined. */
function decoded(segment: string | undefined): string | undefined {
  if (!segment) return undefined;
  try {
    const value = decodeURIComponent(segment);
    return value.trim() === "" ? undefined : value;
  } catch {
    return undefined; // a malformed escape is treated as an unknown route
  }
}

/**
 * Formats a route as a hash.
 *
 * @param route The route.
 * @returns `#/`, `#/s/<id>` or `#/i/<id>/logs`.
 */
export function formatRoute(route: Route): string {
  switch (route.kind) {
    case "session":
      return `#/s/${encodeURIComponent(route.sessionId)}`;
    case "logs":
      return `#/i/${encodeURIComponent(route.instanceId)}/logs`;
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
