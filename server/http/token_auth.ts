/**
 * The API token: when `--token`/`FLOCK_TOKEN` is set, every `/api/` request
 * needs `Authorization: Bearer <token>` or the session cookie that a
 * one-time login link (`GET /login?code=…`) sets. The cookie is what makes
 * `EventSource` work (it cannot send headers); there is no token in query
 * strings, which end up in logs and history.
 *
 * @module
 */
import { clip, MethodNotAllowedError, UnauthorizedError } from "./errors.ts";

/** The path of the one-time login link. */
export const LOGIN_PATH = "/login";

/** How many unused login codes are kept; the oldest is dropped beyond this. */
const MAX_LOGIN_CODES = 8;

/** How long the session cookie lives, in seconds (30 days). */
const COOKIE_MAX_AGE_S = 30 * 24 * 60 * 60;

/** Token checks and login codes, built by {@linkcode createTokenAuth}. */
export interface TokenAuth {
  /** Whether a token is configured (else everything is authenticated). */
  readonly required: boolean;
  /** Whether the request carries the token or a valid session cookie. */
  authenticated(req: Request, url: URL): Promise<boolean>;
  /**
   * Answers `GET /login?code=…`: consumes the code, sets the session cookie
   * and redirects home (without a token it only redirects).
   *
   * @throws {MethodNotAllowedError} for any method but GET (a HEAD from a
   *   link preview must not consume the code).
   * @throws {UnauthorizedError} (`invalid_login_code`) for an unknown or used code.
   */
  login(req: Request, url: URL): Promise<Response>;
  /**
   * Issues a one-time login code.
   *
   * @throws {Error} when no token is configured (there is nothing to log in to).
   */
  issueLoginCode(): string;
}

/** Builds the token checks; `onLoginCodeUsed` runs after a code was used. */
export function createTokenAuth(
  token: string | undefined,
  onLoginCodeUsed?: () => void,
): TokenAuth {
  const loginCodes: string[] = [];
  let cookieValue: Promise<string> | undefined;
  const sessionCookieValue = () => {
    if (token === undefined) throw new Error("No token is configured");
    cookieValue ??= deriveCookieValue(token);
    return cookieValue;
  };

  return {
    required: token !== undefined,
    async authenticated(req, url) {
      if (token === undefined) return true;
      const auth = req.headers.get("authorization");
      if (auth !== null) {
        const m = /^bearer\s+(\S+)\s*$/i.exec(auth);
        return m !== null && await constantTimeEqual(m[1] ?? "", token);
      }
      const cookie = readCookie(req, cookieName(url));
      if (cookie === undefined) return false;
      return await constantTimeEqual(cookie, await sessionCookieValue());
    },
    async login(req, url) {
      if (req.method !== "GET") {
        throw new MethodNotAllowedError(clip(req.method), ["GET"]);
      }
      if (token === undefined) return redirectHome();
      const code = url.searchParams.get("code") ?? "";
      let found = -1;
      for (let i = 0; i < loginCodes.length; i++) {
        if (await constantTimeEqual(code, loginCodes[i] ?? "")) found = i;
      }
      if (found < 0) {
        throw new UnauthorizedError(
          "Cannot log in: the login code is unknown or was already used; use the newest login link Flock printed, or send Authorization: Bearer <token>",
          "invalid_login_code",
        );
      }
      loginCodes.splice(found, 1);
      onLoginCodeUsed?.();
      const res = redirectHome();
      res.headers.set(
        "set-cookie",
        `${
          cookieName(url)
        }=${await sessionCookieValue()}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${COOKIE_MAX_AGE_S}`,
      );
      return res;
    },
    issueLoginCode() {
      if (token === undefined) {
        throw new Error("Cannot issue a login code without a token");
      }
      const code = randomToken(16);
      loginCodes.push(code);
      while (loginCodes.length > MAX_LOGIN_CODES) loginCodes.shift();
      return code;
    },
  };
}

function redirectHome(): Response {
  return new Response(null, {
    status: 303,
    headers: { location: "/", "cache-control": "no-store" },
  });
}

/** The cookie name carries the port, so two Flocks on one host keep separate logins. */
function cookieName(url: URL): string {
  return `flock_session_${url.port || "80"}`;
}

function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.get("cookie");
  if (header === null) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The session cookie's value: HMAC-SHA-256(token, label). It is stable for a
 * token (a restart keeps the login), changes with the token, and does not
 * reveal the token.
 */
async function deriveCookieValue(token: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(token),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign(
    "HMAC",
    key,
    new TextEncoder().encode("flock-session-v1"),
  );
  return base64Url(new Uint8Array(mac));
}

/**
 * Compares two secrets in constant time: both are hashed to 32 bytes first,
 * so neither their contents nor their lengths leak through timing.
 *
 * @example
 * await constantTimeEqual("a", "a"); // true
 */
export async function constantTimeEqual(
  a: string,
  b: string,
): Promise<boolean> {
  const enc = new TextEncoder();
  const [x, y] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(a)),
    crypto.subtle.digest("SHA-256", enc.encode(b)),
  ]);
  const xa = new Uint8Array(x);
  const ya = new Uint8Array(y);
  let diff = 0;
  for (let i = 0; i < xa.length; i++) diff |= (xa[i] ?? 0) ^ (ya[i] ?? 0);
  return diff === 0;
}

/**
 * A fresh random secret: `bytes` random bytes, base64url (32 bytes → 43
 * characters). Used by `--token generate` and for login codes.
 */
export function randomToken(bytes = 32): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64Url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
