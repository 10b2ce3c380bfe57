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
  | { readonly kind: "session"; readonly sessionId: string };

/** The home route. */
export const HOME_ROUTE: Route = Object.freeze({ kind: "home" });

/**
 * Parses `location.hash`.
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
  const match = /^\/s\/([^/?#]+)\/?$/.exec(path);
  if (match?.[1]) {
    try {
      const sessionId = decodeURIComponent(match[1]);
      if (sessionId.trim() !== "") return { kind: "session", sessionId };
    } catch {
      // a malformed escape is treated as an unknown route
    }
  }
  return HOME_ROUTE;
}

/**
 * Formats a route as a hash.
 *
 * @param route The route.
 * @returns `#/` or `#/s/<id>`.
 */
export function formatRoute(route: Route): string {
  return route.kind === "session"
    ? `#/s/${encodeURIComponent(route.sessionId)}`
    : "#/";
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
