import { assertEquals, assertMatch } from "./testing/assert.ts";
import { MIGRATIONS } from "../migrations/migrations.ts";
import { createApp } from "./app.ts";
import { openDatabase } from "./db/database.ts";
import { migrate } from "./db/migrate.ts";
import { testServices } from "./testing/app_services.ts";

const INDEX = "<!doctype html><title>Flock test</title>";

Deno.test("the app over real HTTP: health, JSON 404 and 405, GET /", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flock-app-" });
  const db = openDatabase(`${dir}/flock.db`);
  migrate(db, MIGRATIONS);
  const app = createApp({
    services: testServices({ db }),
    assets: new Map([
      ["/index.html", new TextEncoder().encode(INDEX)],
      ["/app.js", new TextEncoder().encode("console.log(1)")],
    ]),
    version: "9.9.9",
    startedAt: Date.now() - 5_500,
  });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    app.handler,
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    const health = await fetch(`${base}/api/health`);
    assertEquals(health.status, 200);
    assertEquals(health.headers.get("cache-control"), "no-store");
    assertEquals(await health.json(), {
      ok: true,
      version: "9.9.9",
      uptime_s: 5,
    });

    const missing = await fetch(`${base}/api/nope`);
    assertEquals(missing.status, 404);
    assertMatch(missing.headers.get("content-type") ?? "", /application\/json/);
    assertEquals((await missing.json()).error.code, "not_found");

    const wrong = await fetch(`${base}/api/health`, { method: "DELETE" });
    assertEquals(wrong.status, 405);
    assertEquals(wrong.headers.get("allow"), "GET, HEAD");
    assertEquals((await wrong.json()).error.code, "method_not_allowed");

    const page = await fetch(`${base}/`);
    assertEquals(page.status, 200);
    assertEquals(await page.text(), INDEX);
    assertMatch(
      page.headers.get("content-security-policy") ?? "",
      /script-src 'self'/,
    );
    assertEquals(page.headers.get("x-content-type-options"), "nosniff");
    const etag = page.headers.get("etag") ?? "";
    const again = await fetch(`${base}/`, {
      headers: { "if-none-match": etag },
    });
    assertEquals(again.status, 304);
    await again.body?.cancel();

    const js = await fetch(`${base}/app.js`);
    assertMatch(js.headers.get("content-type") ?? "", /javascript/);
    await js.body?.cancel();

    // A client-side route reloads into the shell; an unknown asset is a 404.
    const deep = await fetch(`${base}/s/ses_1`, {
      headers: { accept: "text/html" },
    });
    assertEquals(await deep.text(), INDEX);
    const asset404 = await fetch(`${base}/nope.js`);
    assertEquals(asset404.status, 404);
    await asset404.body?.cancel();
  } finally {
    await server.shutdown();
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
