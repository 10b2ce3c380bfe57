/**
 * Fuzz, in process and without OpenCode: generated malformed or hostile
 * requests against every route of a real Flock over HTTP on 127.0.0.1 (its
 * only instance cannot start, so instance and session routes answer from
 * their error paths). Asserts: no 5xx and a JSON error body on every 4xx.
 * `server/fuzz_e2e_test.ts` does the same with a running OpenCode.
 *
 * The seed is fixed; `FLOCK_FUZZ_SEED=random` (or a number) picks another,
 * and the seed in use is printed. `FLOCK_FUZZ_COUNT` changes the number of
 * requests. The route list is the app's own route table, so new routes are
 * fuzzed without touching this file.
 *
 * @module
 */
import type { InstanceJson } from "./contract/instances.ts";
import { log } from "./log.ts";
import { assert, assertEquals } from "./testing/assert.ts";
import { startTestFlock } from "./testing/flock_harness.ts";
import { fuzzCount, fuzzSeed } from "./testing/fuzz/random.ts";
import { runFuzz, sendRaw } from "./testing/fuzz/send.ts";

const SEED = fuzzSeed(Deno.env.get("FLOCK_FUZZ_SEED"));
const COUNT = fuzzCount(Deno.env.get("FLOCK_FUZZ_COUNT"), 400);

Deno.test("fuzz without OpenCode: hostile requests against every route give no 5xx and JSON 4xx errors", async () => {
  log.info(
    `fuzz: seed ${SEED}, ${COUNT} requests (replay: FLOCK_FUZZ_SEED=${SEED} deno test -A server/fuzz_test.ts)`,
  );
  const root = await Deno.makeTempDir({ prefix: "flock-fuzz-root-" });
  try {
    await using flock = await startTestFlock({
      opencode: false,
      roots: [root],
      rateLimit: true,
    });
    await Deno.mkdir(`${root}/project`);
    const created = await flock.api<InstanceJson>("POST", "/api/instances", {
      working_directory: `${root}/project`,
    });
    assertEquals(created.status, 201);
    // A workflow and its step, so the workflow and run routes get past lookups.
    const workflow = await flock.api("POST", "/api/workflows", {
      yaml:
        "id: plain\nname: Plain\nversion: 1\nagents: [{ id: a, role: analysis }]\nsteps: [{ id: one, agent: a, input: x }]\n",
    });
    assertEquals(workflow.status, 201);
    const report = await runFuzz(
      {
        base: flock.url,
        port: Number(new URL(flock.url).port),
        routes: flock.flock.routes,
        ids: [created.body.id, "plain", "one"],
      },
      SEED,
      COUNT,
    );
    log.info(
      `fuzz: sent ${report.sent}, skipped ${report.skipped} (unbuildable by fetch), statuses ${
        JSON.stringify(report.statuses)
      }`,
    );
    assertEquals(
      report.failures,
      [],
      `FLOCK_FUZZ_SEED=${SEED}: ${report.failures.length} failing request(s)`,
    );
    assert(
      report.sent >= COUNT * 0.8,
      `only ${report.sent} of ${COUNT} requests were sent`,
    );
    const health = await flock.api<{ ok: boolean }>("GET", "/api/health");
    assertEquals(health.body.ok, true);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("fuzz regression: a body cut short by the client is a JSON 400, not a 500", async () => {
  await using flock = await startTestFlock({ opencode: false });
  const port = Number(new URL(flock.url).port);
  const body = '{"working_directory":"/tmp"}';
  const head = [
    "POST /api/instances HTTP/1.1",
    `Host: 127.0.0.1:${port}`,
    "Content-Type: application/json",
    `Content-Length: ${body.length + 50}`,
    "Connection: close",
  ].join("\r\n") + "\r\n\r\n";
  const r = await sendRaw(port, {
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
});
