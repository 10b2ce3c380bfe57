/**
 * The request guard through a real app over HTTP on 127.0.0.1: Host (421),
 * Origin (403), preflights, the token and login link (401), the rate limit
 * (429), the standard headers on every answer, and the order of the checks.
 */
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
} from "../testing/assert.ts";
import { MIGRATIONS } from "../../migrations/migrations.ts";
import { type App, createApp } from "../app.ts";
import { openDatabase } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import { testServices } from "../testing/app_services.ts";
import {
  ForbiddenError,
  MisdirectedRequestError,
  TooManyRequestsError,
  UnauthorizedError,
} from "./errors.ts";
import {
  createRequestGuard,
  type RequestGuardOptions,
} from "./request_guard.ts";

const TOKEN = "test-token-0123456789abcdef";
const INDEX = "<!doctype html><title>Flock security test</title>";

/** An app with a fresh DB, served on 127.0.0.1:0, with its port known to the Host check. */
async function withApp(
  security: Omit<RequestGuardOptions, "listenPort">,
  fn: (base: string, app: App, port: number) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "flock-sec-" });
  const db = openDatabase(`${dir}/flock.db`);
  migrate(db, MIGRATIONS);
  const bound: { port?: number } = {};
  const app = createApp({
    services: testServices({ db }),
    assets: new Map([["/index.html", new TextEncoder().encode(INDEX)]]),
    version: "0.0.0-test",
    startedAt: Date.now(),
    security: { ...security, listenPort: () => bound.port },
  });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    app.handler,
  );
  bound.port = server.addr.port;
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`, app, server.addr.port);
  } finally {
    await server.shutdown();
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Sends a raw HTTP/1.1 request (fetch cannot lie about Host) and returns status + body. */
async function rawRequest(
  port: number,
  head: string,
): Promise<{ status: number; headers: string; body: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(head));
    let text = "";
    const buf = new Uint8Array(65536);
    const decoder = new TextDecoder();
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += decoder.decode(buf.subarray(0, n), { stream: true });
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        const len = /content-length:\s*(\d+)/i.exec(text.slice(0, end));
        if (len && text.length >= end + 4 + Number(len[1])) break;
      }
    }
    const [statusLine = "", ...rest] = text.split("\r\n");
    const end = text.indexOf("\r\n\r\n");
    return {
      status: Number(statusLine.split(" ")[1]),
      headers: rest.join("\n").slice(0, Math.max(0, end)),
      body: end >= 0 ? text.slice(end + 4) : "",
    };
  } finally {
    conn.close();
  }
}

async function errorCode(res: Response): Promise<string> {
  assertMatch(res.headers.get("content-type") ?? "", /application\/json/);
  const body = await res.json() as { error: { code: string } };
  return body.error.code;
}

Deno.test("a rebinding Host header gets 421 JSON; Flock's own names pass", async () => {
  await withApp({}, async (_base, _app, port) => {
    const evil = await rawRequest(
      port,
      `GET /api/health HTTP/1.1\r\nHost: evil.example:${port}\r\nConnection: close\r\n\r\n`,
    );
    assertEquals(evil.status, 421);
    assertMatch(evil.body, /"misdirected_request"/);
    assertMatch(evil.headers, /x-content-type-options: nosniff/i);
    assertMatch(evil.headers, /cache-control: no-store/i);

    const page = await rawRequest(
      port,
      `GET / HTTP/1.1\r\nHost: attacker.test\r\nConnection: close\r\n\r\n`,
    );
    assertEquals(page.status, 421, "the static shell is guarded too");
    assertMatch(page.headers, /content-security-policy: default-src 'self'/i);

    const wrongPort = await rawRequest(
      port,
      `GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:${
        port === 1 ? 2 : port - 1
      }\r\nConnection: close\r\n\r\n`,
    );
    assertEquals(wrongPort.status, 421);

    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
      const ok = await rawRequest(
        port,
        `GET /api/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      assertEquals(ok.status, 200, host);
    }
  });
  await withApp(
    { allowedHosts: ["flock.lan", "proxy.lan:8443"] },
    async (_base, _app, port) => {
      const get = (host: string) =>
        rawRequest(
          port,
          `GET /api/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        );
      assertEquals((await get("flock.lan:1234")).status, 200);
      assertEquals((await get("FLOCK.LAN")).status, 200);
      assertEquals((await get("proxy.lan:8443")).status, 200);
      assertEquals((await get("proxy.lan:8444")).status, 421);
      assertEquals((await get("flock.lan.evil.test")).status, 421);
    },
  );
});

Deno.test("a cross-origin POST and a cross-origin SSE request get 403", async () => {
  await withApp({}, async (base) => {
    const post = await fetch(`${base}/api/instances`, {
      method: "POST",
      headers: {
        origin: "http://evil.example",
        "content-type": "application/json",
      },
      body: JSON.stringify({ working_directory: "/tmp" }),
    });
    assertEquals(post.status, 403);
    assertEquals(await errorCode(post), "cross_origin");
    assertEquals(post.headers.get("access-control-allow-origin"), null);
    assertEquals(post.headers.get("cache-control"), "no-store");

    for (const path of ["/api/events", "/api/sessions/ses_x/events"]) {
      const sse = await fetch(`${base}${path}`, {
        headers: { origin: "http://evil.example", accept: "text/event-stream" },
      });
      assertEquals(sse.status, 403, path);
      assertEquals(await errorCode(sse), "cross_origin");
    }

    // Another port on localhost is the same *site* but not the same origin.
    const sameSite = await fetch(`${base}/api/events`, {
      headers: { "sec-fetch-site": "same-site", accept: "text/event-stream" },
    });
    assertEquals(sameSite.status, 403);
    await sameSite.body?.cancel();
    const nullOrigin = await fetch(`${base}/api/health`, {
      method: "DELETE",
      headers: { origin: "null" },
    });
    assertEquals(nullOrigin.status, 403);
    await nullOrigin.body?.cancel();
    const otherPort = await fetch(`${base}/api/health`, {
      headers: { origin: "http://127.0.0.1:1" },
    });
    assertEquals(otherPort.status, 403);
    await otherPort.body?.cancel();

    // Flock's own origin and non-browser clients pass.
    const own = await fetch(`${base}/api/health`, {
      headers: { origin: base, "sec-fetch-site": "same-origin" },
    });
    assertEquals(own.status, 200);
    await own.body?.cancel();
    const curl = await fetch(`${base}/api/health`);
    assertEquals(curl.status, 200);
    await curl.body?.cancel();
  });
});

Deno.test("OPTIONS preflights get no CORS allowances", async () => {
  await withApp({}, async (base) => {
    const pre = await fetch(`${base}/api/instances`, {
      method: "OPTIONS",
      headers: {
        origin: base,
        "access-control-request-method": "POST",
      },
    });
    assertEquals(pre.status, 204);
    await pre.body?.cancel();
    for (const [name] of pre.headers) {
      assert(!name.startsWith("access-control-"), name);
    }
    const foreign = await fetch(`${base}/api/instances`, {
      method: "OPTIONS",
      headers: {
        origin: "http://evil.example",
        "access-control-request-method": "POST",
      },
    });
    assertEquals(foreign.status, 403);
    assertEquals(foreign.headers.get("access-control-allow-origin"), null);
    await foreign.body?.cancel();
  });
});

Deno.test("with a token: 401 without it, 200 with it, the login link sets a cookie once", async () => {
  await withApp({ token: TOKEN }, async (base, app) => {
    const none = await fetch(`${base}/api/health`);
    assertEquals(none.status, 401);
    assertEquals(await errorCode(none), "unauthorized");
    assertEquals(none.headers.get("cache-control"), "no-store");
    assertMatch(none.headers.get("www-authenticate") ?? "", /^Bearer/);

    const wrong = await fetch(`${base}/api/health`, {
      headers: { authorization: `Bearer ${TOKEN}x` },
    });
    assertEquals(wrong.status, 401);
    await wrong.body?.cancel();

    const bearer = await fetch(`${base}/api/health`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assertEquals(bearer.status, 200);
    await bearer.body?.cancel();

    // The static shell needs no token.
    const shell = await fetch(`${base}/`);
    assertEquals(shell.status, 200);
    assertMatch(
      shell.headers.get("content-security-policy") ?? "",
      /default-src 'self'/,
    );
    await shell.body?.cancel();

    const code = app.security.issueLoginCode();
    const login = await fetch(`${base}/login?code=${code}`, {
      redirect: "manual",
    });
    assertEquals(login.status, 303);
    assertEquals(login.headers.get("location"), "/");
    await login.body?.cancel();
    const setCookie = login.headers.get("set-cookie") ?? "";
    assertMatch(setCookie, /HttpOnly/);
    assertMatch(setCookie, /SameSite=Strict/);
    assert(!setCookie.includes(TOKEN), "the cookie must not be the token");
    const cookie = setCookie.split(";")[0] ?? "";

    const withCookie = await fetch(`${base}/api/health`, {
      headers: { cookie },
    });
    assertEquals(withCookie.status, 200);
    await withCookie.body?.cancel();

    // EventSource sends the cookie: the SSE path gets past auth (404 until the route exists, never 401).
    const sse = await fetch(`${base}/api/events`, {
      headers: { cookie, accept: "text/event-stream" },
    });
    assert(sse.status !== 401 && sse.status !== 403, String(sse.status));
    await sse.body?.cancel();

    const again = await fetch(`${base}/login?code=${code}`, {
      redirect: "manual",
    });
    assertEquals(again.status, 401, "a login code works once");
    assertEquals(await errorCode(again), "invalid_login_code");

    const forged = await fetch(`${base}/api/health`, {
      headers: { cookie: `${cookie.split("=")[0]}=${TOKEN}` },
    });
    assertEquals(forged.status, 401);
    await forged.body?.cancel();

    const head = await fetch(
      `${base}/login?code=${app.security.issueLoginCode()}`,
      {
        method: "HEAD",
      },
    );
    assertEquals(head.status, 405, "HEAD never consumes a login code");
    await head.body?.cancel();
  });
});

Deno.test("instance creation is rate-limited with a JSON 429 and retry-after", async () => {
  let now = 1_000_000;
  await withApp(
    { instanceCreateLimit: { capacity: 3, windowMs: 60_000 }, now: () => now },
    async (base) => {
      const create = () =>
        fetch(`${base}/api/instances`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        });
      for (let i = 0; i < 3; i++) {
        const res = await create();
        assert(res.status !== 429, `request ${i} was limited`);
        await res.body?.cancel();
      }
      const limited = await create();
      assertEquals(limited.status, 429);
      assertEquals(await errorCode(limited), "too_many_requests");
      assertEquals(limited.headers.get("retry-after"), "20");
      now += 20_000;
      const later = await create();
      assert(later.status !== 429);
      await later.body?.cancel();
    },
  );
});

Deno.test("CSP, nosniff and no-store hold on pages, API responses and errors", async () => {
  await withApp({}, async (base) => {
    const cases: [string, RequestInit, "page" | "api"][] = [
      ["/", {}, "page"],
      ["/no-such-file.js", {}, "page"],
      ["/api/health", {}, "api"],
      ["/api/nope", {}, "api"],
      ["/api/health", { method: "PUT" }, "api"],
      ["/api/health", { headers: { origin: "http://x.test" } }, "api"],
    ];
    for (const [path, init, kind] of cases) {
      const res = await fetch(base + path, init);
      await res.body?.cancel();
      assertEquals(res.headers.get("x-content-type-options"), "nosniff", path);
      if (kind === "page") {
        assertMatch(
          res.headers.get("content-security-policy") ?? "",
          /script-src 'self'/,
          path,
        );
      } else {
        assertEquals(res.headers.get("cache-control"), "no-store", path);
      }
      assertEquals(res.headers.get("access-control-allow-origin"), null);
    }
  });
});

Deno.test("the guard's order: Host, Origin, token, then the rate limit; a handler's CORS allowance is removed", async () => {
  const guard = createRequestGuard({
    token: TOKEN,
    instanceCreateLimit: { capacity: 1, windowMs: 60_000 },
    now: () => 0,
  });
  const url = new URL("http://127.0.0.1:8080/api/instances");
  const call = (headers: Record<string, string>) =>
    guard.handle(
      new Request(url, { method: "POST", headers }),
      url,
      () =>
        Promise.resolve(
          new Response("ok", {
            headers: {
              "access-control-allow-origin": "*",
              "access-control-allow-credentials": "true",
            },
          }),
        ),
    );
  const own = "127.0.0.1:8080";
  const foreign = "http://evil.example";
  const bearer = `Bearer ${TOKEN}`;
  await assertRejects(
    () => call({ host: "evil.example", origin: foreign }),
    MisdirectedRequestError,
  );
  await assertRejects(
    () => call({ host: own, origin: foreign }),
    ForbiddenError,
  );
  // Refused before the bucket: unauthenticated requests do not use it up.
  for (let i = 0; i < 3; i++) {
    await assertRejects(() => call({ host: own }), UnauthorizedError);
  }
  const ok = await call({ host: own, authorization: bearer });
  assertEquals(await ok.text(), "ok");
  assertEquals(
    [...ok.headers.keys()].filter((k) => k.startsWith("access-control-")),
    [],
  );
  const limited = await assertRejects(
    () => call({ host: own, authorization: bearer }),
    TooManyRequestsError,
  );
  assertEquals(limited.headers["retry-after"], "60");
  assert(guard.tokenRequired);
});
