/**
 * `createApp(deps)`: Flock's HTTP application as a plain
 * `(Request) => Promise<Response>` function, built from its dependencies so
 * tests call it in-process. The route table and the error boundary live here.
 *
 * @module
 */
import type { ApiContext } from "./api/api_context.ts";
import { directoryRoutes } from "./api/directories.ts";
import { eventRoutes } from "./api/events.ts";
import { instanceRoutes } from "./api/instances.ts";
import { instanceSettingsRoutes } from "./api/instance_settings.ts";
import { type ApiRoute, buildOpenApi, ref } from "./api/openapi.ts";
import { catalogRoutes } from "./api/catalog.ts";
import { messageRoutes } from "./api/messages.ts";
import { permissionRoutes } from "./api/permissions.ts";
import { questionRoutes } from "./api/questions.ts";
import { searchRoutes } from "./api/search.ts";
import { runReviewRoutes } from "./api/run_review.ts";
import { runRoutes } from "./api/runs.ts";
import { sessionRoutes } from "./api/sessions.ts";
import { sessionReviewRoutes } from "./api/session_review.ts";
import { workflowRoutes } from "./api/workflows.ts";
import type { HealthJson } from "./contract/api.ts";
import type { EventBroker } from "./events/event_broker.ts";
import { BadRequestError, NotFoundError, toResponse } from "./http/errors.ts";
import {
  createRequestGuard,
  type RequestGuard,
  type RequestGuardOptions,
} from "./http/request_guard.ts";
import { createRouter, type Route } from "./http/router.ts";
import { createStaticHandler } from "./http/static_files.ts";
import type { AppServices } from "./services.ts";

/** Everything the app needs, passed in. */
export interface AppDeps {
  /**
   * The stores, broker, tracker, `publish` and supervisor, composed once
   * (`composeServices`, or `server/testing/app_services.ts` in tests).
   */
  services: AppServices;
  /** The client's built files, URL path → bytes. */
  assets: ReadonlyMap<string, Uint8Array>;
  version: string;
  /** When Flock started, in ms since the epoch. */
  startedAt: number;
  now?: () => number;
  /**
   * Host/Origin/token/rate-limit rules (see `http/request_guard.ts`). Always
   * on; the default is a loopback Flock without a token.
   */
  security?: RequestGuardOptions;
  /** `--root` directories instances must stay inside (empty: anywhere). */
  roots?: readonly string[];
  /** The directory picker's default (the user's home). */
  home?: string | undefined;
}

/** The built application. */
export interface App {
  /** Serves one request; never throws. */
  handler(req: Request): Promise<Response>;
  /** Every API route, for the OpenAPI document and its test. */
  readonly routes: readonly Route[];
  /** The guard every request passes (it issues login codes). */
  readonly security: RequestGuard;
  /** The SSE broker (from the services); close it before shutting the server down. */
  readonly broker: EventBroker;
}

/** The Content-Security-Policy sent with every page. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Builds the application from its dependencies. */
export function createApp(deps: AppDeps): App {
  const now = deps.now ?? Date.now;
  const { broker } = deps.services;
  const ctx: ApiContext = {
    ...deps.services,
    roots: deps.roots ?? [],
    home: deps.home,
  };
  const security = createRequestGuard(deps.security);
  const routes: ApiRoute[] = [
    {
      method: "GET",
      path: "/api/health",
      summary: "Liveness: version and uptime",
      doc: {
        tag: "meta",
        responses: { 200: { description: "Alive", schema: ref("Health") } },
      },
      handler: () => {
        const body: HealthJson = {
          ok: true,
          version: deps.version,
          uptime_s: Math.max(0, Math.floor((now() - deps.startedAt) / 1000)),
        };
        return Response.json(body);
      },
    },
    ...instanceRoutes(ctx),
    ...instanceSettingsRoutes(ctx),
    ...catalogRoutes(ctx),
    ...sessionRoutes(ctx),
    ...messageRoutes(ctx),
    ...sessionReviewRoutes(ctx),
    ...permissionRoutes(ctx),
    ...questionRoutes(ctx),
    ...searchRoutes(ctx),
    ...eventRoutes(ctx),
    ...directoryRoutes(ctx),
    ...workflowRoutes(ctx),
    ...runRoutes(ctx),
    ...runReviewRoutes(ctx),
    {
      method: "GET",
      path: "/api/openapi.json",
      summary: "This API as an OpenAPI 3.1 document",
      doc: {
        tag: "meta",
        responses: {
          200: {
            description: "The OpenAPI document",
            schema: { type: "object" },
          },
        },
      },
      handler: () => {
        openApi ??= buildOpenApi(routes, {
          version: deps.version,
          tokenRequired: security.tokenRequired,
        });
        return Response.json(openApi);
      },
    },
  ];
  let openApi: Record<string, unknown> | undefined;
  const router = createRouter(routes);
  const serveStatic = createStaticHandler(deps.assets);

  async function dispatch(req: Request, url: URL): Promise<Response> {
    if (url.pathname === "/api" || url.pathname.startsWith("/api/")) {
      const routed = router.handle(req, url);
      if (routed) return await routed;
      throw new NotFoundError(
        `Cannot find route: ${req.method} ${url.pathname}`,
      );
    }
    const asset = serveStatic(req, url);
    if (asset) return asset;
    throw new NotFoundError(`Cannot find ${url.pathname}`);
  }

  return {
    routes,
    security,
    broker,
    async handler(req) {
      let url: URL;
      try {
        url = new URL(req.url);
      } catch (error) {
        return toResponse(
          new BadRequestError("Cannot parse the URL", "bad_request", {
            cause: error,
          }),
        );
      }
      let res: Response;
      try {
        res = await security.handle(req, url, () => dispatch(req, url));
      } catch (error) {
        // The one error boundary: every error becomes its JSON answer here.
        res = toResponse(error);
      }
      return withStandardHeaders(res, url);
    },
  };
}

function withStandardHeaders(res: Response, url: URL): Response {
  const headers = res.headers;
  try {
    headers.set("x-content-type-options", "nosniff");
    if (url.pathname.startsWith("/api/")) {
      // An event stream keeps its own `no-cache, no-transform`.
      if (!headers.has("cache-control")) {
        headers.set("cache-control", "no-store");
      }
    } else {
      headers.set("content-security-policy", CONTENT_SECURITY_POLICY);
      headers.set("referrer-policy", "no-referrer");
      headers.set("x-frame-options", "DENY");
    }
    return res;
  } catch {
    // Immutable headers (e.g. a proxied Response): copy them.
    const copy = new Response(res.body, res);
    return withStandardHeaders(copy, url);
  }
}
