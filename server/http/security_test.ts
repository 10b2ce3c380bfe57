import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertThrows,
} from "../testing/assert.ts";
import { MIGRATIONS } from "../../migrations/migrations.ts";
import { type App, createApp } from "../app.ts";
import type { Config } from "../config.ts";
import { openDatabase } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import { testServices } from "../testing/app_services.ts";
import { main, runFlock, StartupError } from "../main.ts";
import { BadRequestError, ForbiddenError } from "./errors.ts";
import {
  assertSafeBind,
  constantTimeEqual,
  InsecureBindError,
  isInside,
  isLoopbackAddress,
  parseHostHeader,
  randomToken,
  resolveAllowedDirectory,
  type SecurityOptions,
  TokenBucket,
} from "./security.ts";

const TOKEN = "test-token-0123456789abcdef";
const INDEX = "<!doctype html><title>Flock security test</title>";

/** An app with a fresh DB, served on 127.0.0.1:0, with its port known to the Host check. */
async function withApp(
  security: Omit<SecurityOptions, "listenPort">,
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

Deno.test("a non-loopback bind without a token is refused at start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flock-bind-" });
  try {
    const config: Config = {
      port: 0,
      host: "0.0.0.0",
      dataDir: dir,
      dbPath: `${dir}/flock.db`,
      opencode: undefined,
      opencodeConfig: undefined,
      token: undefined,
      generateToken: false,
      allowedHosts: [],
      roots: [],
      eventBuffer: 100,
    };
    const error = await assertRejects(() => runFlock(config), StartupError);
    assertMatch(error.message, /without a token/);
    assertMatch(error.message, /--token/);
    // Nothing was created: the refusal comes before the database.
    assertEquals([...Deno.readDirSync(dir)].length, 0);
    // The CLI turns it into exit code 1.
    assertEquals(
      await main(["--host", "192.0.2.1", "--port", "0", "--data-dir", dir]),
      1,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runFlock with --token generate makes a token and a one-time login URL", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flock-gen-" });
  const config: Config = {
    port: 0,
    host: "127.0.0.1",
    dataDir: dir,
    dbPath: `${dir}/flock.db`,
    opencode: undefined,
    opencodeConfig: undefined,
    token: undefined,
    generateToken: true,
    allowedHosts: [],
    roots: [],
    eventBuffer: 100,
  };
  const flock = await runFlock(config);
  try {
    assert(flock.token !== undefined && flock.token.length >= 40);
    assertMatch(
      flock.loginUrl ?? "",
      /^http:\/\/127\.0\.0\.1:\d+\/login\?code=/,
    );
    const denied = await fetch(`${flock.url}/api/health`);
    assertEquals(denied.status, 401);
    await denied.body?.cancel();
    const login = await fetch(flock.loginUrl ?? "", { redirect: "manual" });
    assertEquals(login.status, 303);
    await login.body?.cancel();
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const ok = await fetch(`${flock.url}/api/health`, { headers: { cookie } });
    assertEquals(ok.status, 200);
    await ok.body?.cancel();
  } finally {
    await flock.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bind rule, Host parsing and loopback detection", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) {
    assert(isLoopbackAddress(h), h);
    assertSafeBind(h, false);
  }
  for (
    const h of ["0.0.0.0", "::", "192.168.1.5", "127.0.0.256", "example.com"]
  ) {
    assert(!isLoopbackAddress(h), h);
    assertThrows(() => assertSafeBind(h, false), InsecureBindError);
    assertSafeBind(h, true);
  }
  assertEquals(parseHostHeader("LocalHost:8080"), {
    name: "localhost",
    port: 8080,
  });
  assertEquals(parseHostHeader("[::1]:9"), { name: "[::1]", port: 9 });
  assertEquals(parseHostHeader("127.0.0.1"), {
    name: "127.0.0.1",
    port: undefined,
  });
  for (
    const bad of [
      "",
      "::1",
      "a b",
      "host:",
      "host:0",
      "host:99999",
      "host:80:80",
      "[::1",
      "[::1]x",
      "localhost.",
      "ev\u0131l.test",
      "a@b",
    ]
  ) {
    assertEquals(parseHostHeader(bad), undefined, bad);
  }
});

Deno.test("constant-time compare, random tokens, token bucket", async () => {
  assert(await constantTimeEqual("abc", "abc"));
  assert(!await constantTimeEqual("abc", "abd"));
  assert(!await constantTimeEqual("abc", "abcd"));
  assert(!await constantTimeEqual("", "a"));
  const a = randomToken();
  assertEquals(a.length, 43);
  assertMatch(a, /^[A-Za-z0-9_-]+$/);
  assert(a !== randomToken());

  let t = 0;
  const bucket = new TokenBucket(2, 1000, () => t);
  assertEquals(bucket.take(), 0);
  assertEquals(bucket.take(), 0);
  assertEquals(bucket.take(), 500);
  t = 499;
  assert(bucket.take() > 0);
  t = 1000;
  assertEquals(bucket.take(), 0);
});

Deno.test("resolveAllowedDirectory: absolute, existing, a directory, inside the roots, symlinks resolved", async () => {
  const tmp = await Deno.realPath(
    await Deno.makeTempDir({ prefix: "flock-dirs-" }),
  );
  try {
    const root = `${tmp}/root`;
    const outside = `${tmp}/outside`;
    await Deno.mkdir(`${root}/project/sub`, { recursive: true });
    await Deno.mkdir(outside);
    await Deno.writeTextFile(`${root}/file.txt`, "x");
    await Deno.symlink(outside, `${root}/escape`);
    await Deno.symlink(`${root}/project`, `${tmp}/into-root`);
    await Deno.mkdir(`${tmp}/rootish`);

    assertEquals(
      await resolveAllowedDirectory(`${root}/project`, [root]),
      `${root}/project`,
    );
    assertEquals(
      await resolveAllowedDirectory(`${root}/project/sub/..`, [root]),
      `${root}/project`,
    );
    assertEquals(await resolveAllowedDirectory(root, [root]), root);
    assertEquals(
      await resolveAllowedDirectory(`${tmp}/into-root`, [root]),
      `${root}/project`,
      "a symlink that lands inside a root is fine",
    );
    assertEquals(await resolveAllowedDirectory(outside, []), outside);

    const cases: [
      string,
      string,
      typeof BadRequestError | typeof ForbiddenError,
    ][] = [
      ["relative/path", "invalid_directory", BadRequestError],
      ["", "invalid_directory", BadRequestError],
      [`${root}/a\0b`, "invalid_directory", BadRequestError],
      [`${root}/missing`, "directory_not_found", BadRequestError],
      [`${root}/file.txt`, "not_a_directory", BadRequestError],
      [`${root}/file.txt/x`, "not_a_directory", BadRequestError],
      [`${root}/escape`, "directory_not_allowed", ForbiddenError],
      [`${root}/../outside`, "directory_not_allowed", ForbiddenError],
      [`${tmp}/rootish`, "directory_not_allowed", ForbiddenError],
      ["/", "directory_not_allowed", ForbiddenError],
    ];
    for (const [path, code, type] of cases) {
      const error = await assertRejects(
        () => resolveAllowedDirectory(path, [root]),
        type,
      );
      assertEquals(error.code, code, path);
    }
    assert(isInside("/a/b", "/a"));
    assert(isInside("/a", "/a"));
    assert(!isInside("/ab", "/a"));
    assert(isInside("/x", "/"));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
