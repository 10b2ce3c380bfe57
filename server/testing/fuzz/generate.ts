/**
 * Generates fuzz requests against a route table: hostile path parameters,
 * query strings, headers and JSON bodies, and one raw request in five.
 *
 * @module
 */
import type { Route } from "../../http/router.ts";
import { CONTENT_TYPES, type FuzzCase, METHODS } from "./fuzz_case.ts";
import { rawCase } from "./raw_case.ts";
import type { Gen } from "./random.ts";

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
  "q",
  "children",
  "status",
  "workflow",
  "instance_id",
];

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
export function generate(
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
