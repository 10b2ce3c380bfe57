/**
 * The cross-site request rule (CSRF): a request that must come from Flock's
 * own pages is refused when it shows another origin.
 *
 * @module
 */
import { clip, ForbiddenError } from "./errors.ts";

/**
 * Refuses a request from another origin: a foreign or unparseable `Origin`,
 * `Origin: null`, or a `Sec-Fetch-Site` that is not `same-origin` or `none`.
 * `same-site` is foreign too: another port on localhost is the same site. A
 * request with neither header (curl) passes.
 *
 * @param hostHeader The request's (already validated) Host header.
 * @throws {ForbiddenError} (403, `cross_origin`).
 */
export function checkOrigin(req: Request, hostHeader: string): void {
  const origin = req.headers.get("origin");
  if (origin !== null) {
    let originHost: string | undefined;
    try {
      const o = new URL(origin);
      if (o.protocol === "http:" || o.protocol === "https:") {
        originHost = o.host;
      }
    } catch {
      originHost = undefined;
    }
    let ownHost: string | undefined;
    try {
      ownHost = new URL(`http://${hostHeader}`).host;
    } catch {
      ownHost = undefined;
    }
    if (originHost === undefined || originHost !== ownHost) {
      throw new ForbiddenError(
        `Cannot accept a request from another origin: Origin is "${
          clip(origin)
        }"; Flock's API only answers its own pages and non-browser clients`,
        "cross_origin",
      );
    }
  }
  const site = req.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") {
    throw new ForbiddenError(
      `Cannot accept a request from another site: Sec-Fetch-Site is "${
        clip(site)
      }"`,
      "cross_origin",
    );
  }
}
