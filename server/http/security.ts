/**
 * Security by default, applied to every request by `createApp`:
 *
 * 1. **Host check** (DNS rebinding): the `Host` header must name Flock
 *    (`127.0.0.1`, `localhost`, `[::1]`, the `--host` address, or an
 *    `--allowed-host`), else 421.
 * 2. **Preflights**: `OPTIONS` is answered with `Allow` only, never with CORS
 *    allowances; no response carries `Access-Control-Allow-*`.
 * 3. **Origin check** (CSRF): every `/api/` request (REST and SSE) and every
 *    state-changing request must come from Flock's own origin. A foreign
 *    `Origin`, `Origin: null`, or `Sec-Fetch-Site` other than `same-origin` or
 *    `none` gives 403. A request with neither header (curl) passes.
 * 4. **Token** (when `--token`/`FLOCK_TOKEN` is set): every `/api/` request
 *    needs `Authorization: Bearer <token>` or the session cookie set by the
 *    one-time login link `GET /login?code=…`, else 401. The cookie is what
 *    makes `EventSource` work (it cannot send headers); there is no token in
 *    query strings. The static shell loads without it.
 * 5. **Rate limit**: `POST /api/instances` takes from a token bucket (10 a
 *    minute by default), else 429 with `Retry-After`.
 *
 * Also here: the bind rule ({@linkcode assertSafeBind}), token generation and
 * the working-directory allowlist ({@linkcode resolveAllowedDirectory}).
 *
 * @module
 */
import {
  BadRequestError,
  errorResponse,
  ForbiddenError,
  HttpError,
  MisdirectedRequestError,
  TooManyRequestsError,
  UnauthorizedError,
} from "./errors.ts";

/** Options for {@linkcode createSecurity}; they come from the config. */
export interface SecurityOptions {
  /** The `--host` Flock binds (default 127.0.0.1). */
  host?: string;
  /**
   * The port Flock listens on, once known. While it returns undefined (an
   * app called in-process, without a server) any port is accepted for
   * Flock's own names.
   */
  listenPort?: () => number | undefined;
  /** `--allowed-host` names (`name` accepts any port, `name:port` only that one). */
  allowedHosts?: readonly string[];
  /** The API token; when set, `/api/` needs it. */
  token?: string | undefined;
  /**
   * The `POST /api/instances` bucket: `capacity` requests, refilled evenly
   * over `windowMs`. `false` turns the limit off. Default 10 per minute.
   */
  instanceCreateLimit?: { capacity: number; windowMs: number } | false;
  /** Called after a login code was used (e.g. to print a fresh link). */
  onLoginCodeUsed?: () => void;
  /** The clock, for tests. */
  now?: () => number;
}

/** The security layer built by {@linkcode createSecurity}. */
export interface Security {
  /** Whether `/api/` needs the token. */
  readonly tokenRequired: boolean;
  /**
   * Runs every check, then `next` when they pass. Never throws for a refused
   * request: it answers with a JSON error instead.
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

/** The default limit on `POST /api/instances`: 10 a minute. */
export const DEFAULT_INSTANCE_CREATE_LIMIT = {
  capacity: 10,
  windowMs: 60_000,
} as const;

/** The path of the one-time login link. */
export const LOGIN_PATH = "/login";

/** How many unused login codes are kept; the oldest is dropped beyond this. */
const MAX_LOGIN_CODES = 8;

/** How long the session cookie lives, in seconds (30 days). */
const COOKIE_MAX_AGE_S = 30 * 24 * 60 * 60;

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Builds the security layer. */
export function createSecurity(options: SecurityOptions = {}): Security {
  const now = options.now ?? Date.now;
  const host = normalizeHostName(options.host ?? "127.0.0.1");
  const ownNames = new Set(["127.0.0.1", "localhost", "[::1]", host]);
  const allowed = (options.allowedHosts ?? []).map(parseAllowedHost);
  const token = options.token;
  const limit = options.instanceCreateLimit ?? DEFAULT_INSTANCE_CREATE_LIMIT;
  const bucket = limit === false
    ? undefined
    : new TokenBucket(limit.capacity, limit.windowMs, now);
  const loginCodes: string[] = [];
  let cookieValue: Promise<string> | undefined;
  const sessionCookieValue = () => {
    if (token === undefined) throw new Error("No token is configured");
    cookieValue ??= deriveCookieValue(token);
    return cookieValue;
  };

  function checkHost(req: Request, url: URL): string {
    const raw = (req.headers.get("host") ?? url.host).trim().toLowerCase();
    const parsed = parseHostHeader(raw);
    const refuse = () =>
      new MisdirectedRequestError(
        `Cannot serve this request as its Host header is not one of Flock's names: got "${
          truncate(raw)
        }"; if this name is yours, start Flock with --allowed-host ${
          truncate(parsed?.name ?? "<name>")
        }`,
      );
    if (!parsed) throw refuse();
    if (ownNames.has(parsed.name)) {
      const port = options.listenPort?.();
      if (
        port === undefined ||
        (parsed.port ?? 80) === port
      ) return raw;
      throw refuse();
    }
    for (const a of allowed) {
      if (
        a.name === parsed.name &&
        (a.port === undefined || a.port === (parsed.port ?? 80))
      ) return raw;
    }
    throw refuse();
  }

  async function authenticated(req: Request, url: URL): Promise<boolean> {
    if (token === undefined) return true;
    const auth = req.headers.get("authorization");
    if (auth !== null) {
      const m = /^bearer\s+(\S+)\s*$/i.exec(auth);
      return m !== null && await constantTimeEqual(m[1] ?? "", token);
    }
    const cookie = readCookie(req, cookieName(url));
    if (cookie === undefined) return false;
    return await constantTimeEqual(cookie, await sessionCookieValue());
  }

  async function login(req: Request, url: URL): Promise<Response> {
    if (req.method !== "GET") {
      // Only GET consumes a code; HEAD (link previews) must not.
      return errorResponse(
        405,
        "method_not_allowed",
        `Cannot ${truncate(req.method)} this resource: allowed methods are GET`,
        { allow: "GET" },
      );
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
    options.onLoginCodeUsed?.();
    const res = redirectHome();
    res.headers.set(
      "set-cookie",
      `${
        cookieName(url)
      }=${await sessionCookieValue()}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${COOKIE_MAX_AGE_S}`,
    );
    return res;
  }

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
    if (url.pathname === LOGIN_PATH) return await login(req, url);
    if (isApi && !await authenticated(req, url)) {
      throw new UnauthorizedError(
        "Cannot use the API without the token: send Authorization: Bearer <token>, or open the login link Flock printed at start",
      );
    }
    if (
      bucket && req.method === "POST" && url.pathname === "/api/instances"
    ) {
      const waitMs = bucket.take();
      if (waitMs > 0) {
        const seconds = Math.max(1, Math.ceil(waitMs / 1000));
        throw new TooManyRequestsError(
          `Cannot create another instance yet: at most ${
            limit === false ? 0 : limit.capacity
          } instance creations per ${
            limit === false ? 0 : Math.round(limit.windowMs / 1000)
          } s; retry in ${seconds} s`,
          seconds,
        );
      }
    }
    return await next();
  }

  return {
    tokenRequired: token !== undefined,
    async handle(req, url, next) {
      let res: Response;
      try {
        res = await guarded(req, url, next);
      } catch (error) {
        if (!(error instanceof HttpError) || error.status >= 500) throw error;
        res = errorResponse(
          error.status,
          error.code,
          error.message,
          error.headers,
        );
      }
      return withoutCors(res);
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

/**
 * Refuses a request from another origin (CSRF): a foreign or unparseable
 * `Origin`, `Origin: null`, or a `Sec-Fetch-Site` that is not `same-origin`
 * or `none`. `same-site` is foreign too: another port on localhost is the
 * same site.
 *
 * @param hostHeader The request's (already validated) Host header.
 * @throws {ForbiddenError}
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
          truncate(origin)
        }"; Flock's API only answers its own pages and non-browser clients`,
        "cross_origin",
      );
    }
  }
  const site = req.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") {
    throw new ForbiddenError(
      `Cannot accept a request from another site: Sec-Fetch-Site is "${
        truncate(site)
      }"`,
      "cross_origin",
    );
  }
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

interface HostParts {
  /** Lowercase host name; IPv6 literals keep their brackets. */
  name: string;
  port: number | undefined;
}

/**
 * Parses a Host header (`name`, `name:port`, `[v6]`, `[v6]:port`). Returns
 * undefined for anything else (bare IPv6, junk, a bad port, a trailing dot).
 */
export function parseHostHeader(raw: string): HostParts | undefined {
  const value = raw.trim().toLowerCase();
  let name: string;
  let portText: string | undefined;
  if (value.startsWith("[")) {
    const end = value.indexOf("]");
    if (end < 0) return undefined;
    name = value.slice(0, end + 1);
    const rest = value.slice(end + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) return undefined;
      portText = rest.slice(1);
    }
    if (!/^\[[0-9a-f:.]+\]$/.test(name)) return undefined;
  } else {
    const parts = value.split(":");
    if (parts.length > 2) return undefined;
    name = parts[0] ?? "";
    portText = parts[1];
    if (
      !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(
        name,
      )
    ) {
      return undefined;
    }
  }
  if (portText === undefined) return { name, port: undefined };
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  return { name, port };
}

function parseAllowedHost(entry: string): HostParts {
  const parsed = parseHostHeader(entry) ??
    parseHostHeader(normalizeHostName(entry));
  return parsed ?? { name: entry.trim().toLowerCase(), port: undefined };
}

/** A bind address as a Host-header name: IPv6 literals get brackets. */
function normalizeHostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.includes(":") && !h.startsWith("[")) return `[${h}]`;
  return h;
}

/**
 * Whether an address only reaches this machine: `localhost`, `127.0.0.0/8`
 * or `::1`.
 */
export function isLoopbackAddress(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return v4 !== null && v4.slice(1).every((o) => Number(o) <= 255);
}

/** Flock was asked to listen beyond loopback without a token. */
export class InsecureBindError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InsecureBindError";
  }
}

/**
 * Refuses a non-loopback bind address unless a token protects the API.
 *
 * @throws {InsecureBindError} with a message that says what to do.
 */
export function assertSafeBind(host: string, hasToken: boolean): void {
  if (hasToken || isLoopbackAddress(host)) return;
  throw new InsecureBindError(
    `Cannot listen on ${host} without a token: any machine that can reach it could drive your agents, which run shell commands as you. Pass --token <secret> (at least 16 characters), set FLOCK_TOKEN, or use --token generate (Flock prints the token); or listen on 127.0.0.1`,
  );
}

/**
 * A token bucket: `capacity` tokens, refilled continuously at
 * `capacity / windowMs` per millisecond.
 */
export class TokenBucket {
  readonly #capacity: number;
  readonly #perMs: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor(capacity: number, windowMs: number, now: () => number) {
    this.#capacity = capacity;
    this.#perMs = capacity / windowMs;
    this.#now = now;
    this.#tokens = capacity;
    this.#last = now();
  }

  /**
   * Takes one token.
   *
   * @returns 0 when taken, else how many ms until one is available.
   */
  take(): number {
    const t = this.#now();
    this.#tokens = Math.min(
      this.#capacity,
      this.#tokens + Math.max(0, t - this.#last) * this.#perMs,
    );
    this.#last = t;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.#tokens) / this.#perMs);
  }
}

/**
 * Validates an instance's working directory: an absolute path to an existing
 * directory, resolved through symlinks (`realPath`), that lies inside one of
 * `roots` when any are given (each root is resolved too, so a symlink that
 * escapes a root is refused). Used by `POST /api/instances` and
 * `GET /api/directories`.
 *
 * @returns The real path.
 * @throws {BadRequestError} when the path is not absolute, missing or not a directory.
 * @throws {ForbiddenError} when it is outside the roots or cannot be read.
 */
export async function resolveAllowedDirectory(
  path: string,
  roots: readonly string[],
): Promise<string> {
  if (path === "" || path.includes("\0")) {
    throw new BadRequestError(
      "Cannot use the directory: the path is empty or contains a NUL byte",
      "invalid_directory",
    );
  }
  if (!path.startsWith("/") && !/^[A-Za-z]:[\\/]/.test(path)) {
    throw new BadRequestError(
      `Cannot use the directory as it is not an absolute path: ${
        truncate(path)
      }`,
      "invalid_directory",
    );
  }
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch (error) {
    throw fsError(path, error);
  }
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(real);
  } catch (error) {
    throw fsError(path, error);
  }
  if (!info.isDirectory) {
    throw new BadRequestError(
      `Cannot use the directory as it is not a directory: ${truncate(path)}`,
      "not_a_directory",
    );
  }
  if (roots.length === 0) return real;
  for (const root of roots) {
    let realRoot: string;
    try {
      realRoot = await Deno.realPath(root);
    } catch {
      continue; // A missing root contains nothing.
    }
    if (isInside(real, realRoot)) return real;
  }
  throw new ForbiddenError(
    `Cannot use the directory as it is outside the allowed roots (${
      roots.join(", ")
    }): ${truncate(path)}${real === path ? "" : ` (resolves to ${real})`}`,
    "directory_not_allowed",
  );
}

/** Whether `path` is `root` or below it (both already real paths). */
export function isInside(path: string, root: string): boolean {
  const sep = root.includes("\\") && !root.includes("/") ? "\\" : "/";
  const base = root.endsWith(sep) ? root : root + sep;
  return path === root || path.startsWith(base);
}

function fsError(path: string, error: unknown): HttpError {
  if (error instanceof Deno.errors.NotFound) {
    return new BadRequestError(
      `Cannot use the directory as it does not exist: ${truncate(path)}`,
      "directory_not_found",
    );
  }
  if (error instanceof Deno.errors.NotADirectory) {
    return new BadRequestError(
      `Cannot use the directory as part of its path is not a directory: ${
        truncate(path)
      }`,
      "not_a_directory",
    );
  }
  if (
    error instanceof Deno.errors.PermissionDenied ||
    error instanceof Deno.errors.NotCapable
  ) {
    return new ForbiddenError(
      `Cannot use the directory as Flock may not read it: ${truncate(path)}`,
      "directory_forbidden",
    );
  }
  return new BadRequestError(
    `Cannot use the directory: ${truncate(path)}: ${
      error instanceof Error ? error.message : String(error)
    }`,
    "invalid_directory",
  );
}

function truncate(s: string, n = 100): string {
  return s.length > n ? s.slice(0, n) + "…" : s;
}
