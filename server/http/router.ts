/**
 * A small route table over `URLPattern`: matches method and path, answers
 * 405 with `Allow` when only the method is wrong.
 *
 * @module
 */
import { MethodNotAllowedError } from "./errors.ts";

/** HTTP methods Flock routes. */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** What a handler receives. */
export interface RouteContext {
  req: Request;
  url: URL;
  /** Path parameters, e.g. `{ id: "inst_…" }` for `/api/instances/:id`. */
  params: Record<string, string>;
}

/** One route: a method, a URLPattern pathname and a handler. */
export interface Route {
  method: Method;
  /** A URLPattern pathname, e.g. `/api/instances/:id`. */
  path: string;
  /** One line for the OpenAPI description. */
  summary: string;
  handler: (ctx: RouteContext) => Response | Promise<Response>;
}

interface CompiledRoute extends Route {
  pattern: URLPattern;
}

/** A compiled route table. */
export interface Router {
  readonly routes: readonly Route[];
  /**
   * Dispatches the request. Returns undefined when no route's path matches,
   * so the caller can fall back (static files, 404).
   *
   * @throws {MethodNotAllowedError} when a path matches but not the method.
   */
  handle(req: Request, url: URL): Promise<Response> | undefined;
}

/** Compiles a route table. */
export function createRouter(routes: readonly Route[]): Router {
  const compiled: CompiledRoute[] = routes.map((r) => ({
    ...r,
    pattern: new URLPattern({ pathname: r.path }),
  }));
  return {
    routes,
    handle(req, url) {
      const allow = new Set<string>();
      const method = req.method === "HEAD" ? "GET" : req.method;
      for (const route of compiled) {
        const match = route.pattern.exec({ pathname: url.pathname });
        if (!match) continue;
        if (route.method !== method) {
          allow.add(route.method);
          continue;
        }
        const params: Record<string, string> = {};
        for (const [k, v] of Object.entries(match.pathname.groups)) {
          if (v !== undefined) params[k] = safeDecode(v);
        }
        return Promise.resolve(route.handler({ req, url, params }));
      }
      if (allow.size > 0) {
        if (allow.has("GET")) allow.add("HEAD");
        throw new MethodNotAllowedError(req.method, [...allow].sort());
      }
      return undefined;
    },
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
