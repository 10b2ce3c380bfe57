import { assertEquals, assertThrows } from "../testing/assert.ts";
import { ForbiddenError } from "./errors.ts";
import { checkOrigin } from "./origin_check.ts";

const HOST = "127.0.0.1:8080";
const request = (headers: Record<string, string>) =>
  new Request(`http://${HOST}/api/instances`, { method: "POST", headers });

Deno.test("checkOrigin: Flock's own origin and non-browser clients pass", () => {
  checkOrigin(request({}), HOST);
  checkOrigin(request({ origin: `http://${HOST}` }), HOST);
  checkOrigin(
    request({ origin: `http://${HOST}`, "sec-fetch-site": "same-origin" }),
    HOST,
  );
  checkOrigin(request({ "sec-fetch-site": "none" }), HOST);
});

Deno.test("checkOrigin: a foreign, null or unparseable Origin, or another site, is a 403 cross_origin", () => {
  const cases: Record<string, string>[] = [
    { origin: "http://evil.example" },
    { origin: "null" },
    { origin: "garbage" },
    { origin: "file://" },
    { origin: "http://127.0.0.1:1" },
    { origin: "https://127.0.0.1:8080x" },
    { "sec-fetch-site": "same-site" },
    { "sec-fetch-site": "cross-site" },
    { "sec-fetch-site": "bogus" },
  ];
  for (const headers of cases) {
    const error = assertThrows(
      () => checkOrigin(request(headers), HOST),
      ForbiddenError,
    );
    assertEquals(error.status, 403, JSON.stringify(headers));
    assertEquals(error.code, "cross_origin");
  }
});
