/**
 * The guard every request passes before it is routed (`createApp` runs it),
 * in this order:
 *
 * 1. **Host** (DNS rebinding, `host_rules.ts`): not one of Flock's names →
 *    421.
 * 2. **Preflights**: `OPTIONS` from Flock's own origin gets 204 with `Allow`
 *    only, never CORS allowances; from another origin, 403.
 * 3. **Origin** (CSRF, `origin_check.ts`): every `/api/` request (REST and
 *    SSE) and every state-changing request must come from Flock's own origin,
 *    else 403.
 * 4. **Login link** (`token_auth.ts`): `GET /login?code=…` is answered here.
 * 5. **Token** (`token_auth.ts`, when one is set): `/api/` without it → 401.
 * 6. **Rate limit** (`rate_limit.ts`): `POST /api/instances` beyond the
 *    bucket → 429 with `Retry-After`.
 *
 * A refused request throws a typed `HttpError`; the app's one error
 * boundary (`toResponse` in `errors.ts`) turns it into the JSON answer. No
 * response that passes the guard keeps a CORS allowance a handler added.
 *
 * @module
 */
import { createHostCheck, type HostRuleOptions } from "./host_rules.ts";
import { checkOrigin } from "./origin_check.ts";
import { createInstanceCreateLimit, type RateLimit } from "./rate_limit.ts";
import { createTokenAuth, LOGIN_PATH } from "./token_auth.ts";
import { UnauthorizedError } from "./errors.ts";

/** Options for {@linkcode createRequestGuard}; they come from the config. */
export interface RequestGuardOptions extends HostRuleOptions {
  /** The API token; when set, `/api/` needs it. */
  token?: string | undefined;
  /**
   * The `POST /api/instances` bucket: `capacity` requests, refilled evenly
   * over `windowMs`. `false` turns the limit off. Default 10 per minute.
   */
  instanceCreateLimit?: RateLimit | false;
  /** Called after a login code was used (e.g. to print a fresh link). */
  onLoginCodeUsed?: () => void;
  /** The clock, for tests. */
  now?: () => number;
}

/** The guard built by {@linkcode createRequestGuard}. */
export interface RequestGuard {
  /** Whether `/api/` needs the token. */
  readonly tokenRequired: boolean;
  /**
   * Runs every check in order, then `next` when they pass.
   *
   * @throws {HttpError} for a refused request (421, 403, 401, 405, 429);
   *   errors from `next` pass through unchanged.
   */
  handle(
    req: Request,
    url: URL,
    next: () => Promise<Response>,
  ): Promise<Response>;
  /**
   * Issues a one-time login code for `GET /login?code=…`.
   *
   * @throws {Error} when no token is configured (there is nothing to log in to).
   */
  issueLoginCode(): string;
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Builds the guard. */
export function createRequestGuard(
  options: RequestGuardOptions = {},
): RequestGuard {
  const checkHost = createHostCheck(options);
  const auth = createTokenAuth(options.token, options.onLoginCodeUsed);
  const checkRateLimit = createInstanceCreateLimit(
    options.instanceCreateLimit,
    options.now,
  );

  async function guarded(
    req: Request,
    url: URL,
    next: () => Promise<Response>,
  ): Promise<Response> {
    const hostHeader = checkHost(req, url);
    const isApi = url.pathname === "/api" || url.pathname.startsWith("/api/");
    if (req.method === "OPTIONS") {
      // A preflight: refuse foreign origins, never grant CORS.
      checkOrigin(req, hostHeader);
      return new Response(null, {
        status: 204,
        headers: { allow: "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS" },
      });
    }
    if (isApi || STATE_CHANGING.has(req.method)) checkOrigin(req, hostHeader);
    if (url.pathname === LOGIN_PATH) return await auth.login(req, url);
    if (isApi && !await auth.authenticated(req, url)) {
      throw new UnauthorizedError(
        "Cannot use the API without the token: send Authorization: Bearer <token>, or open the login link Flock printed at start",
      );
    }
    checkRateLimit(req, url);
    return await next();
  }

  return {
    tokenRequired: auth.required,
    async handle(req, url, next) {
      return withoutCors(await guarded(req, url, next));
    },
    issueLoginCode: () => auth.issueLoginCode(),
  };
}

/** Removes any CORS allowance a handler might have added. */
function withoutCors(res: Response): Response {
  const names = [...res.headers.keys()].filter((k) =>
    k.startsWith("access-control-allow-")
  );
  if (names.length === 0) return res;
  let out = res;
  try {
    for (const n of names) out.headers.delete(n);
  } catch {
    out = new Response(res.body, res);
    for (const n of names) out.headers.delete(n);
  }
  return out;
}
