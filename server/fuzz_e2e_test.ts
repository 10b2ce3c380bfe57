/**
 * Fuzz: well over 1,000 generated malformed or hostile requests against every
 * route of a real, in-process Flock over HTTP on 127.0.0.1, with one real
 * OpenCode instance running (fake model), so that session routes reach real
 * code. Asserts: no 5xx, a JSON error body on every 4xx, no response leaks a
 * child's password, and `/api/health` still answers afterwards.
 *
 * The route list is the app's own route table, so new routes are fuzzed
 * without touching this file. Reproduce a run with `FUZZ_SEED=<seed>` (the
 * seed is printed at the start); `FUZZ_COUNT` changes the number of requests
 * and `FUZZ_NO_INSTANCE=1` skips the running instance (a quick run).
 *
 * @module
 */
import { assert, assertEquals } from "./testing/assert.ts";
import type { InstanceJson, SessionJson } from "./api_types.ts";
import type { Config } from "./config.ts";
import type { Route } from "./http/router.ts";
import { log } from "./log.ts";
import { runFlock } from "./main.ts";
import { pinnedOpenCodePath } from "./opencode/opencode_binary.ts";
import { startFakeModel } from "./testing/fake_model.ts";
import { createOpenCodeEnv } from "./testing/opencode_env.ts";

const SEED = Number(
  Deno.env.get("FUZZ_SEED") ??
    crypto.getRandomValues(new Uint32Array(1))[0],
) >>> 0;
const COUNT = Number(Deno.env.get("FUZZ_COUNT") ?? "1200");
const REQUEST_TIMEOUT_MS = 15_000;

/** mulberry32: a small, seedable PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One generated request, described well enough to replay by hand. */
interface FuzzCase {
  index: number;
  kind: "fetch" | "raw";
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  /** Raw mode: the exact bytes sent. */
  raw?: Uint8Array;
  /** Raw mode: whether the request is malformed at the HTTP level (Deno's HTTP layer may answer it, without JSON). */
  protocolAbuse?: boolean;
  note: string;
}

interface FuzzResult {
  status: number;
  contentType: string;
  body: string;
}

const HOSTILE_STRINGS = [
  "",
  " ",
  ".",
  "..",
  "../",
  "../../../../etc/passwd",
  "..%2f..%2f..%2fetc%2fpasswd",
  "%2e%2e%2f%2e%2e%2f",
  "....//....//etc",
  "/etc/passwd",
  "/etc",
  "/proc/self/environ",
  "/dev/null",
  "/",
  "//",
  "C:\\Windows\\System32",
  "\\\\server\\share",
  "a\u0000b",
  "\u0000",
  "\u202eevil",
  "💥🔥",
  "𝕱𝖑𝖔𝖈𝖐",
  "ＡＢＣ／．．",
  "\ufeffbom",
  "e\u0301\u0301\u0301",
  "<script>alert(1)</script>",
  "' OR '1'='1' --",
  '"; DROP TABLE instances; --',
  "${jndi:ldap://x}",
  "%s%s%s%n",
  "{{7*7}}",
  "inst_0000000000000000",
  "inst_does_not_exist",
  "ses_does_not_exist",
  "per_does_not_exist",
  "msg_x",
  "-1",
  "0",
  "1e309",
  "NaN",
  "null",
  "undefined",
  "true",
  "[]",
  "{}",
  "__proto__",
  "constructor",
  "prototype",
  "x".repeat(5000),
  "\r\nX-Injected: 1",
  "\t\n",
  "a/b/c",
  "?x=1",
  "#frag",
  "%",
  "%zz",
  "%00",
  "%ff%fe",
];

const FIELD_NAMES = [
  "working_directory",
  "name",
  "title",
  "text",
  "parts",
  "reply",
  "message",
  "model",
  "agent",
  "providerID",
  "modelID",
  "directory",
  "id",
  "session_id",
  "instance_id",
  "permission_id",
  "response",
  "system",
  "noReply",
  "tools",
  "type",
  "__proto__",
  "constructor",
  "",
];

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/vnd.api+json",
  "application/json; charset=utf-16",
  "text/plain",
  "text/plain;charset=UTF-8",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "application/xml",
  "*/*",
  "json",
  "application/jsonx",
  ";;;",
];

const QUERY_KEYS = [
  "directory",
  "limit",
  "before",
  "after",
  "start",
  "search",
  "roots",
  "code",
  "token",
  "path",
  "lastEventId",
  "id",
];

class Gen {
  readonly #r: () => number;
  constructor(seed: number) {
    this.#r = prng(seed);
  }
  float(): number {
    return this.#r();
  }
  int(n: number): number {
    return Math.floor(this.#r() * n);
  }
  chance(p: number): boolean {
    return this.#r() < p;
  }
  pick<T>(list: readonly T[]): T {
    const v = list[this.int(list.length)];
    if (v === undefined) throw new Error("pick from an empty list");
    return v;
  }
  unicode(): string {
    const len = this.int(12);
    let s = "";
    for (let i = 0; i < len; i++) {
      const r = this.float();
      if (r < 0.3) s += String.fromCharCode(0x20 + this.int(95));
      else if (r < 0.5) s += String.fromCharCode(this.int(0x20)); // controls
      else if (r < 0.7) s += String.fromCharCode(0x80 + this.int(0x780));
      else if (r < 0.8) s += String.fromCharCode(0xd800 + this.int(0x800)); // lone surrogates
      else s += String.fromCodePoint(0x1f300 + this.int(0x300));
    }
    return s;
  }
  hostileString(ids: readonly string[]): string {
    const r = this.float();
    if (r < 0.5) return this.pick(HOSTILE_STRINGS);
    if (r < 0.65 && ids.length > 0) return this.pick(ids);
    if (r < 0.8) return this.unicode();
    if (r < 0.9) {
      return `${this.pick(ids.length ? ids : ["x"])}${
        this.pick(HOSTILE_STRINGS)
      }`;
    }
    return this.pick([
      "/tmp",
      "/",
      "/root",
      "/nonexistent/dir",
      "/etc/hostname",
    ]);
  }
  value(depth: number, ids: readonly string[]): unknown {
    const r = this.float();
    if (depth > 3 || r < 0.45) return this.hostileString(ids);
    if (r < 0.55) {
      return this.pick([0, -1, 1.5, 1e308, -0, 2 ** 53 + 1, 4294967296]);
    }
    if (r < 0.62) return this.pick([true, false, null]);
    if (r < 0.8) {
      return Array.from(
        { length: this.int(4) },
        () => this.value(depth + 1, ids),
      );
    }
    return this.object(depth + 1, ids);
  }
  object(depth: number, ids: readonly string[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const n = this.int(4);
    for (let i = 0; i < n; i++) {
      const key = this.chance(0.85) ? this.pick(FIELD_NAMES) : this.unicode();
      // defineProperty: "__proto__" becomes a real own key (sent in JSON).
      Object.defineProperty(out, key, {
        value: this.value(depth, ids),
        enumerable: true,
        configurable: true,
        writable: true,
      });
    }
    return out;
  }
}

/** Fills a URLPattern pathname's parameters with hostile values. */
function fillPath(gen: Gen, pattern: string, ids: readonly string[]): string {
  return pattern.replace(
    /:(\w+)(\([^)]*\))?[?*+]?|\*/g,
    () => {
      // Real ids often, so handlers get past their lookups.
      if (ids.length > 0 && gen.chance(0.35)) return gen.pick(ids);
      const v = gen.hostileString(ids);
      const mode = gen.float();
      if (mode < 0.6) return safeEncode(v);
      if (mode < 0.75) return safeEncode(safeEncode(v));
      return v; // raw: the URL parser normalises what it must
    },
  );
}

function safeEncode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "?"));
  }
}

function jsonBody(gen: Gen, ids: readonly string[]): string | Uint8Array {
  const r = gen.float();
  if (r < 0.45) return JSON.stringify(gen.object(0, ids));
  if (r < 0.55) return JSON.stringify(gen.value(0, ids));
  if (r < 0.75) {
    return gen.pick([
      "{",
      "}",
      "{'a':1}",
      '{"working_directory":}',
      "[1,2",
      "\ufeff{}",
      '{"a":1}garbage',
      "null",
      "123",
      '"str"',
      "[]",
      "",
      " ",
      '{"a":"\\ud800"}',
      '{"a":"\\u0000"}',
      '{"__proto__":{"polluted":1}}',
      '{"constructor":{"prototype":{"x":1}}}',
      '{"a":1,"a":2}',
      "1e999999",
      "-",
      "\u0000",
    ]);
  }
  if (r < 0.8) return new Uint8Array([0x7b, 0xff, 0xfe, 0x22, 0x7d]); // invalid UTF-8
  if (r < 0.9) {
    const depth = gen.pick([100, 1000, 50_000]);
    return gen.chance(0.5)
      ? "[".repeat(depth) + "]".repeat(depth)
      : '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
  }
  if (r < 0.97) {
    // Wide but under the limit.
    return JSON.stringify({
      working_directory: "/tmp/" + "a".repeat(gen.int(200_000)),
      name: "n".repeat(gen.int(10_000)),
    });
  }
  // Over the 1 MiB limit.
  return JSON.stringify({ text: "x".repeat(1024 * 1024 + 10) });
}

function randomHeaders(
  gen: Gen,
  base: string,
  withBody: boolean,
): Record<string, string> {
  const h: Record<string, string> = {};
  if (withBody && gen.chance(0.85)) {
    h["content-type"] = gen.chance(0.6)
      ? "application/json"
      : gen.pick(CONTENT_TYPES);
  }
  const o = gen.float();
  if (o < 0.15) h["origin"] = base;
  else if (o < 0.22) {
    h["origin"] = gen.pick([
      "http://evil.example",
      "null",
      "garbage",
      "http://127.0.0.1:1",
      "file://",
    ]);
  }
  if (gen.chance(0.1)) {
    h["sec-fetch-site"] = gen.pick([
      "same-origin",
      "cross-site",
      "same-site",
      "none",
      "bogus",
    ]);
  }
  if (gen.chance(0.15)) {
    h["accept"] = gen.pick([
      "text/event-stream",
      "text/html",
      "*/*",
      "application/json",
    ]);
  }
  if (gen.chance(0.08)) {
    h["last-event-id"] = gen.pick([
      "-1",
      "abc",
      "99999999999999999999999",
      "1:2",
      "",
      "0",
    ]);
  }
  if (gen.chance(0.05)) {
    h["authorization"] = gen.pick([
      "Bearer ",
      "Basic Zm9vOmJhcg==",
      "Bearer x y",
      "garbage",
    ]);
  }
  if (gen.chance(0.05)) {
    h["cookie"] = gen.pick([
      "flock_session_80=x",
      "=;=;",
      "a=" + "b".repeat(4000),
    ]);
  }
  if (gen.chance(0.05)) h["x-opencode-directory"] = "../../etc";
  if (gen.chance(0.05)) {
    h["range"] = gen.pick([
      "bytes=0-0",
      "bytes=999999-",
      "bytes=-5",
      "bytes=abc",
    ]);
  }
  if (gen.chance(0.05)) h["if-none-match"] = gen.pick(["*", '"x"', 'W/"0-0"']);
  return h;
}

function queryString(gen: Gen, ids: readonly string[]): string {
  if (!gen.chance(0.25)) return "";
  const parts: string[] = [];
  for (let i = 0, n = 1 + gen.int(3); i < n; i++) {
    parts.push(
      `${gen.pick(QUERY_KEYS)}=${safeEncode(gen.hostileString(ids))}`,
    );
  }
  return "?" + parts.join("&");
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
const RAW_METHODS = [...METHODS, "TRACE", "PROPFIND", "FOO", "get"];
const EXTRA_PATHS = [
  "/",
  "/login",
  "/api",
  "/api/",
  "/api/nope",
  "/app.js",
  "/sw.js",
  "/manifest.webmanifest",
  "/index.html",
  "/%2e%2e/%2e%2e/etc/passwd",
  "/api/../api/health",
  "//api//health",
  "/api/health/",
  "/api/health%00",
];

/** Generates case `index`. Real ids are kept away from destructive routes until the end. */
function generate(
  gen: Gen,
  index: number,
  routes: readonly Route[],
  ids: readonly string[],
  base: string,
  port: number,
  late: boolean,
): FuzzCase {
  const useRoute = gen.chance(0.9);
  const route = gen.pick(routes);
  const method = gen.chance(0.7) && useRoute ? route.method : gen.pick(METHODS);
  const destructive = method === "DELETE" ||
    /\/(stop|restart|abort)$/.test(route.path);
  const usableIds = destructive && !late ? [] : ids;
  const path =
    (useRoute ? fillPath(gen, route.path, usableIds) : gen.pick(EXTRA_PATHS)) +
    queryString(gen, usableIds);
  if (gen.chance(0.2)) {
    return rawCase(gen, index, method, path, port, usableIds);
  }
  const withBody = method !== "GET" && method !== "HEAD" && gen.chance(0.85);
  const body = withBody ? jsonBody(gen, usableIds) : undefined;
  return {
    index,
    kind: "fetch",
    method,
    path,
    headers: randomHeaders(gen, base, withBody),
    body,
    note: useRoute ? `route ${route.method} ${route.path}` : "extra path",
  };
}

function rawCase(
  gen: Gen,
  index: number,
  routeMethod: string,
  path: string,
  port: number,
  ids: readonly string[],
): FuzzCase {
  const method = gen.chance(0.6) ? routeMethod : gen.pick(RAW_METHODS);
  const rawPath = gen.chance(0.3)
    ? gen.pick([
      "/api/instances/../../../etc/passwd",
      "/api/instances/./x/..",
      "/api//instances",
      "/api/sessions/%2e%2e",
      "/api/instances/" + "a".repeat(8000),
    ])
    : path;
  const lines = [`${method} ${rawPath} HTTP/1.1`];
  const hostMode = gen.float();
  // A request-target with spaces, controls or raw non-ASCII is not HTTP.
  let protocolAbuse = !/^[\x21-\x7e]+$/.test(rawPath);
  if (hostMode < 0.55) lines.push(`Host: 127.0.0.1:${port}`);
  else if (hostMode < 0.65) lines.push(`Host: localhost:${port}`);
  else if (hostMode < 0.9) {
    lines.push(
      `Host: ${
        gen.pick([
          "evil.example",
          `evil.example:${port}`,
          "127.0.0.1:1",
          "localhost.",
          "[::1]:x",
          "0x7f000001",
          "127.1",
          "",
          "a b",
          "LOCALHOST:" + port,
          "127.0.0.1:" + port + ".evil",
        ])
      }`,
    );
  } else {
    lines.push(`Host: 127.0.0.1:${port}`, "Host: evil.example");
    protocolAbuse = true; // two Host headers
  }
  if (gen.chance(0.2)) {
    lines.push(
      `Origin: ${
        gen.pick(["http://evil.example", "null", `http://127.0.0.1:${port}`])
      }`,
    );
  }
  if (gen.chance(0.1)) lines.push("Accept: text/event-stream");
  const body = new TextEncoder().encode(
    gen.chance(0.7)
      ? JSON.stringify(gen.object(0, ids))
      : gen.pick(["{", "", "[]"]),
  );
  const hasBody = method !== "GET" && method !== "HEAD" && gen.chance(0.8);
  let sendBody = new Uint8Array();
  let halfClose = false;
  if (hasBody) {
    lines.push(`Content-Type: ${gen.pick(CONTENT_TYPES)}`);
    const lie = gen.float();
    if (lie < 0.5) lines.push(`Content-Length: ${body.length}`);
    else if (lie < 0.65) {
      // Declares more than is sent, then half-closes.
      lines.push(`Content-Length: ${body.length + 50}`);
      halfClose = true;
    } else if (lie < 0.75) {
      lines.push(`Content-Length: ${Math.max(0, body.length - 3)}`);
      protocolAbuse = true; // the rest is read as a (bad) next request
    } else if (lie < 0.85) {
      lines.push(
        gen.pick([
          "Content-Length: abc",
          "Content-Length: -1",
          `Content-Length: ${body.length}`,
          "Content-Length: 99999999999999999999",
        ]),
      );
      if (!lines.at(-1)?.endsWith(String(body.length))) protocolAbuse = true;
      if (lines.at(-1)?.endsWith(String(body.length))) {
        lines.push(`Content-Length: ${body.length + 1}`); // two conflicting lengths
        protocolAbuse = true;
      }
    } else {
      lines.push("Transfer-Encoding: chunked");
      const chunked = gen.chance(0.5)
        ? `${body.length.toString(16)}\r\n${
          new TextDecoder().decode(body)
        }\r\n0\r\n\r\n`
        : "zz\r\nnot hex\r\n";
      if (chunked.startsWith("zz")) protocolAbuse = true;
      sendBody = new TextEncoder().encode(chunked);
    }
    if (sendBody.length === 0) sendBody = body;
  }
  if (gen.chance(0.1)) {
    lines.push(gen.pick([
      "X-Long: " + "a".repeat(20_000),
      "X-Weird: \u00ff\u00fe",
      "Cookie: " + "c=1; ".repeat(500),
      "Expect: 100-continue",
      "Connection: upgrade",
      "Upgrade: websocket",
    ]));
  }
  lines.push("Connection: close");
  const head = new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n");
  const raw = new Uint8Array(head.length + sendBody.length);
  raw.set(head);
  raw.set(sendBody, head.length);
  return {
    index,
    kind: "raw",
    method,
    path: rawPath,
    headers: { "x-half-close": String(halfClose) },
    body: sendBody,
    raw,
    protocolAbuse,
    note: lines.slice(1, -1).map((l) => l.slice(0, 80)).join(" | "),
  };
}

async function sendFetch(
  base: string,
  c: FuzzCase,
): Promise<FuzzResult | "skipped"> {
  let url: URL;
  try {
    url = new URL(c.path, base);
  } catch {
    return "skipped";
  }
  const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(url, {
      method: c.method,
      headers: c.headers,
      ...(c.body === undefined ? {} : { body: c.body as BodyInit }),
      redirect: "manual",
      signal,
    });
  } catch (error) {
    if (error instanceof TypeError && !signal.aborted) return "skipped"; // the client refused to build it
    throw error;
  }
  const contentType = res.headers.get("content-type") ?? "";
  if (contentType.includes("text/event-stream")) {
    await res.body?.cancel();
    return { status: res.status, contentType, body: "" };
  }
  return { status: res.status, contentType, body: await res.text() };
}

async function sendRaw(
  port: number,
  c: FuzzCase,
): Promise<FuzzResult | "closed"> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch { /* already closed */ }
  }, REQUEST_TIMEOUT_MS);
  try {
    try {
      await conn.write(c.raw ?? new Uint8Array());
      if (c.headers["x-half-close"] === "true") await conn.closeWrite();
    } catch {
      // The server may answer and close before reading everything.
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    const buf = new Uint8Array(65536);
    let text = "";
    while (true) {
      let n: number | null;
      try {
        n = await conn.read(buf);
      } catch {
        n = null;
      }
      if (n === null) break;
      chunks.push(buf.slice(0, n));
      total += n;
      text = new TextDecoder().decode(concat(chunks, total));
      const final = text.replace(/^(HTTP\/1\.[01] 1\d\d[^]*?\r\n\r\n)+/, "");
      const end = final.indexOf("\r\n\r\n");
      if (end < 0) continue;
      const head = final.slice(0, end).toLowerCase();
      if (head.includes("text/event-stream")) break;
      const len = /\r\ncontent-length:\s*(\d+)/.exec(head);
      const bodyBytes = new TextEncoder().encode(final.slice(end + 4)).length;
      if (len && bodyBytes >= Number(len[1])) break;
      if (!len && !head.includes("chunked")) break;
      if (head.includes("chunked") && final.endsWith("0\r\n\r\n")) break;
    }
    if (text === "") return "closed";
    // Skip interim responses (100 Continue).
    while (/^HTTP\/1\.[01] 1\d\d/.test(text)) {
      const cut = text.indexOf("\r\n\r\n");
      if (cut < 0) break;
      text = text.slice(cut + 4);
    }
    const end = text.indexOf("\r\n\r\n");
    const head = end < 0 ? text : text.slice(0, end);
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? "0");
    const contentType = /\r\ncontent-type:\s*([^\r\n]*)/i.exec(head)?.[1] ?? "";
    let body = end < 0 ? "" : text.slice(end + 4);
    if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) body = dechunk(body);
    return { status, contentType, body };
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* already closed */ }
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function dechunk(s: string): string {
  let out = "";
  let rest = s;
  while (true) {
    const nl = rest.indexOf("\r\n");
    if (nl < 0) break;
    const size = parseInt(rest.slice(0, nl), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out += rest.slice(nl + 2, nl + 2 + size);
    rest = rest.slice(nl + 2 + size + 2);
  }
  return out;
}

/** Why a result is a failure, or undefined when it is fine. */
function judge(c: FuzzCase, r: FuzzResult): string | undefined {
  if (r.status >= 500) return `5xx (${r.status})`;
  if (r.status === 0) {
    // Malformed framing may end with only an interim 100 and a close.
    return c.kind === "raw" && c.protocolAbuse
      ? undefined
      : "no HTTP status line";
  }
  if (r.status >= 400 && c.method.toUpperCase() !== "HEAD") {
    if (
      c.kind === "raw" && c.protocolAbuse && !r.contentType.includes("json")
    ) {
      return undefined; // Deno's HTTP layer refused malformed framing itself.
    }
    if (!/application\/json/.test(r.contentType)) {
      return `4xx without JSON content-type (${r.status}, ${r.contentType})`;
    }
    try {
      const parsed = JSON.parse(r.body) as {
        error?: { code?: unknown; message?: unknown };
      };
      if (
        typeof parsed.error?.code !== "string" ||
        typeof parsed.error?.message !== "string"
      ) return `4xx body is not {error:{code,message}} (${r.status})`;
    } catch {
      return `4xx body is not JSON (${r.status})`;
    }
  }
  return undefined;
}

function describe(c: FuzzCase): string {
  const body = c.body === undefined
    ? ""
    : typeof c.body === "string"
    ? ` body=${JSON.stringify(c.body.slice(0, 120))}${
      c.body.length > 120 ? `…(${c.body.length})` : ""
    }`
    : ` body=<${c.body.length} bytes>`;
  return `#${c.index} ${c.kind} ${c.method} ${
    c.path.slice(0, 160)
  } [${c.note}] headers=${JSON.stringify(c.headers).slice(0, 200)}${body}`;
}

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

Deno.test({
  name:
    "fuzz: hostile requests against every route give no 5xx and JSON 4xx errors",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    log.info(
      `FUZZ_SEED=${SEED} FUZZ_COUNT=${COUNT} (rerun with FUZZ_SEED=${SEED} deno test -A server/fuzz_e2e_test.ts)`,
    );
    await using model = await startFakeModel();
    await using env = await createOpenCodeEnv({ modelBaseURL: model.baseURL });
    const root = await env.workspace("fuzz-root");
    const project = `${root}/project`;
    await Deno.mkdir(project);
    const dataDir = `${env.root}/flock-data`;
    const config: Config = {
      port: 0,
      host: "127.0.0.1",
      dataDir,
      dbPath: `${dataDir}/flock.db`,
      opencode: pinnedOpenCodePath(),
      opencodeConfig: undefined,
      token: undefined,
      generateToken: false,
      allowedHosts: [],
      roots: [root],
      eventBuffer: 1000,
    };
    const flock = await runFlock(config, { childEnv: env.env });
    try {
      const base = flock.url;
      const ids: string[] = [];
      let password: string | undefined;
      let instance: InstanceJson | undefined;

      const canCreate = Deno.env.get("FUZZ_NO_INSTANCE") !== "1" &&
        flock.routes.some((r) =>
          r.method === "POST" && r.path === "/api/instances"
        );
      if (canCreate) {
        const created = await fetch(`${base}/api/instances`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ working_directory: project }),
        });
        assertEquals(created.status, 201, await created.clone().text());
        const first = await created.json() as InstanceJson;
        instance = await waitFor("the instance to run", async () => {
          const res = await fetch(`${base}/api/instances/${first.id}`);
          const got = await res.json() as InstanceJson;
          if (got.status === "error") {
            throw new Error(`The instance failed: ${got.last_error}`);
          }
          return got.status === "running" ? got : undefined;
        }, 45_000);
        ids.push(instance.id);
        const session = await fetch(
          `${base}/api/instances/${instance.id}/sessions`,
          {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ title: "fuzz" }),
          },
        );
        assertEquals(session.status, 201, await session.clone().text());
        ids.push((await session.json() as SessionJson).id);
        password = childPassword(instance.pid);

        await t.step(
          "a child's OpenCode port refuses requests without its password (401)",
          async () => {
            assert(instance?.port, "the instance reports its port");
            const direct = await fetch(
              `http://127.0.0.1:${instance.port}/global/health`,
            );
            assertEquals(direct.status, 401);
            await direct.body?.cancel();
            const wrong = await fetch(
              `http://127.0.0.1:${instance.port}/session`,
              { headers: { authorization: `Basic ${btoa("opencode:wrong")}` } },
            );
            assertEquals(wrong.status, 401);
            await wrong.body?.cancel();
            assert(
              password !== undefined && password.length >= 16,
              "the child has a long random OPENCODE_SERVER_PASSWORD",
            );
            const right = await fetch(
              `http://127.0.0.1:${instance.port}/global/health`,
              {
                headers: {
                  authorization: `Basic ${btoa(`opencode:${password}`)}`,
                },
              },
            );
            assertEquals(
              right.status,
              200,
              "the password read from the child works (sanity)",
            );
            await right.body?.cancel();
          },
        );
      } else {
        log.warn(
          "SKIP: no POST /api/instances route yet; fuzzing without a running instance",
        );
      }

      await t.step(`${COUNT} generated requests`, async () => {
        const gen = new Gen(SEED);
        const failures: string[] = [];
        const statuses = new Map<number, number>();
        let sent = 0;
        let skipped = 0;
        const routes = flock.routes;
        assert(routes.length > 0);
        for (let i = 0; i < COUNT; i += 4) {
          const batch: FuzzCase[] = [];
          for (let j = i; j < Math.min(COUNT, i + 4); j++) {
            batch.push(
              generate(gen, j, routes, ids, base, flock.port, j > COUNT * 0.9),
            );
          }
          const results = await Promise.all(batch.map(async (c) => {
            try {
              return c.kind === "fetch"
                ? await sendFetch(base, c)
                : await sendRaw(flock.port, c);
            } catch (error) {
              return error instanceof Error ? error : new Error(String(error));
            }
          }));
          results.forEach((r, k) => {
            const c = batch[k];
            if (!c) return;
            if (r === "skipped") {
              skipped++;
              return;
            }
            sent++;
            if (r instanceof Error) {
              failures.push(`${describe(c)} → threw ${r.name}: ${r.message}`);
              return;
            }
            if (r === "closed") {
              if (!c.protocolAbuse && c.headers["x-half-close"] !== "true") {
                failures.push(
                  `${describe(c)} → connection closed without a response`,
                );
              }
              return;
            }
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
            const why = judge(c, r);
            if (why) {
              failures.push(`${describe(c)} → ${why}: ${r.body.slice(0, 300)}`);
            }
            if (password !== undefined && r.body.includes(password)) {
              failures.push(
                `${describe(c)} → the response reveals the child's password`,
              );
            }
          });
        }
        log.info(
          `fuzz: sent ${sent}, skipped ${skipped} (unbuildable by fetch), statuses ${
            JSON.stringify(Object.fromEntries([...statuses].sort((a, b) =>
              a[0] - b[0]
            )))
          }`,
        );
        if (failures.length > 0) {
          throw new Error(
            `FUZZ_SEED=${SEED}: ${failures.length} failing request(s):\n${
              failures.slice(0, 25).join("\n")
            }`,
          );
        }
        assert(sent >= 1000, `only ${sent} requests were sent`);
      });

      await t.step("no GET route reveals a child's password", async () => {
        if (password === undefined) return;
        for (const route of flock.routes) {
          if (route.method !== "GET") continue;
          const fills = ids.length > 0 ? ids : ["x"];
          for (const id of fills) {
            const path = route.path.replace(/:(\w+)(\([^)]*\))?[?*+]?|\*/g, id);
            const res = await fetch(base + path, {
              signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
            });
            const type = res.headers.get("content-type") ?? "";
            if (type.includes("event-stream")) {
              // Read the first bytes of a stream (replayed events) too.
              const reader = res.body?.getReader();
              const first = await Promise.race([
                reader?.read(),
                new Promise<undefined>((r) =>
                  setTimeout(() => r(undefined), 500)
                ),
              ]);
              await reader?.cancel();
              const text = first?.value
                ? new TextDecoder().decode(first.value)
                : "";
              assert(!text.includes(password), `${path} leaks the password`);
              continue;
            }
            const text = await res.text();
            assert(!text.includes(password), `${path} leaks the password`);
          }
        }
      });

      await t.step("/api/health still answers", async () => {
        const health = await fetch(`${base}/api/health`);
        assertEquals(health.status, 200);
        assertEquals((await health.json() as { ok: boolean }).ok, true);
      });
    } finally {
      await flock.close();
    }
  },
});

/** Reads OPENCODE_SERVER_PASSWORD from a child's environment (Linux /proc). */
function childPassword(pid: number | null): string | undefined {
  if (pid === null) return undefined;
  try {
    const environ = Deno.readTextFileSync(`/proc/${pid}/environ`);
    for (const entry of environ.split("\0")) {
      if (entry.startsWith("OPENCODE_SERVER_PASSWORD=")) {
        return entry.slice("OPENCODE_SERVER_PASSWORD=".length);
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

Deno.test("fuzz regression: a body cut short by the client is a JSON 400, not a 500", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flock-fuzz-reg-" });
  const flock = await runFlock({
    port: 0,
    host: "127.0.0.1",
    dataDir: dir,
    dbPath: `${dir}/flock.db`,
    opencode: undefined,
    opencodeConfig: undefined,
    token: undefined,
    generateToken: false,
    allowedHosts: [],
    roots: [dir],
    eventBuffer: 100,
  });
  try {
    const body = '{"working_directory":"/tmp"}';
    const head = [
      "POST /api/instances HTTP/1.1",
      `Host: 127.0.0.1:${flock.port}`,
      "Content-Type: application/json",
      `Content-Length: ${body.length + 50}`,
      "Connection: close",
    ].join("\r\n") + "\r\n\r\n";
    const r = await sendRaw(flock.port, {
      index: 0,
      kind: "raw",
      method: "POST",
      path: "/api/instances",
      headers: { "x-half-close": "true" },
      body,
      raw: new TextEncoder().encode(head + body),
      note: "content-length larger than the body, then half-close",
    });
    assert(r !== "closed", "Flock answers");
    assertEquals(r.status, 400);
    assertEquals(
      (JSON.parse(r.body) as { error: { code: string } }).error.code,
      "body_incomplete",
    );
  } finally {
    await flock.close();
    await Deno.remove(dir, { recursive: true });
  }
});
