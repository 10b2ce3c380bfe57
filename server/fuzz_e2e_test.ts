/**
 * Fuzz with a running OpenCode: generated malformed or hostile requests
 * against every route of a real, in-process Flock over HTTP on 127.0.0.1,
 * with one real OpenCode instance (fake model) and a session, so that the
 * session routes reach real code. Asserts: no 5xx, a JSON error body on
 * every 4xx, no response leaks a child's password, and `/api/health` still
 * answers afterwards. `server/fuzz_test.ts` fuzzes without OpenCode.
 *
 * The seed is fixed; `FLOCK_FUZZ_SEED=random` (or a number) picks another,
 * and the seed in use is printed. `FLOCK_FUZZ_COUNT` changes the number of
 * requests.
 *
 * @module
 */
import { assert, assertEquals } from "./testing/assert.ts";
import type { InstanceJson } from "./contract/instances.ts";
import type { SessionJson } from "./contract/sessions.ts";
import type { Config } from "./config.ts";
import { log } from "./log.ts";
import { runFlock } from "./main.ts";
import { pinnedOpenCodePath } from "./opencode/opencode_binary.ts";
import { startFakeModel } from "./testing/fake_model.ts";
import { fuzzCount, fuzzSeed } from "./testing/fuzz/random.ts";
import { runFuzz } from "./testing/fuzz/send.ts";
import { createOpenCodeEnv } from "./testing/opencode_env.ts";

/** Two steps the fake model answers at once, and a gate between them. */
const FUZZ_WORKFLOW = `
id: fuzzed
name: Fuzzed
version: 1
agents: [{ id: a, role: analysis }]
steps:
  - { id: ask, agent: a, input: "REPLY> STATUS: done" }
  - { id: gate, type: gate, input: "Go on?" }
  - { id: again, agent: a, input: "REPLY> STATUS: done" }
`;

const SEED = fuzzSeed(Deno.env.get("FLOCK_FUZZ_SEED"));
const COUNT = fuzzCount(Deno.env.get("FLOCK_FUZZ_COUNT"), 1200);
const REQUEST_TIMEOUT_MS = 15_000;

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
      `fuzz: seed ${SEED}, ${COUNT} requests (replay: FLOCK_FUZZ_SEED=${SEED} deno test -A server/fuzz_e2e_test.ts)`,
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
      idleTimeoutS: 900,
      maxInstanceMemoryBytes: null,
      remoteHosts: [],
    };
    const flock = await runFlock(config, { childEnv: env.env });
    try {
      const base = flock.url;
      const ids: string[] = [];
      const created = await fetch(`${base}/api/instances`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ working_directory: project }),
      });
      assertEquals(created.status, 201, await created.clone().text());
      const first = await created.json() as InstanceJson;
      const instance = await waitFor("the instance to run", async () => {
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
      // A pending question, so that answers reach real validation.
      const askingId = ids.at(-1)!;
      const sent = await fetch(`${base}/api/sessions/${askingId}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "use question" }),
      });
      assertEquals(sent.status, 202, await sent.clone().text());
      await sent.body?.cancel();
      ids.push(
        await waitFor("a pending question", async () => {
          const res = await fetch(`${base}/api/questions`);
          const list = await res.json() as { id: string }[];
          return list[0]?.id;
        }, 60_000),
      );
      // A workflow and a run of it, so the run routes reach a real run.
      const workflow = await fetch(`${base}/api/workflows`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ yaml: FUZZ_WORKFLOW }),
      });
      assertEquals(workflow.status, 201, await workflow.clone().text());
      await workflow.body?.cancel();
      const run = await fetch(`${base}/api/runs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          workflow: "fuzzed",
          instance_id: instance.id,
          task: "be fuzzed",
        }),
      });
      assertEquals(run.status, 201, await run.clone().text());
      ids.push((await run.json() as { id: string }).id, "fuzzed", "ask");
      const password = childPassword(instance.pid);

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

      await t.step(`${COUNT} generated requests`, async () => {
        assert(flock.routes.length > 0);
        const report = await runFuzz(
          {
            base,
            port: flock.port,
            routes: flock.routes,
            ids,
            ...(password === undefined ? {} : { secret: password }),
          },
          SEED,
          COUNT,
        );
        log.info(
          `fuzz: sent ${report.sent}, skipped ${report.skipped} (unbuildable by fetch), statuses ${
            JSON.stringify(report.statuses)
          }`,
        );
        if (report.failures.length > 0) {
          throw new Error(
            `FLOCK_FUZZ_SEED=${SEED}: ${report.failures.length} failing request(s):\n${
              report.failures.slice(0, 25).join("\n")
            }`,
          );
        }
        assert(
          report.sent >= COUNT * 0.8,
          `only ${report.sent} requests were sent`,
        );
      });

      await t.step("no GET route reveals a child's password", async () => {
        assert(password !== undefined, "the child's password is known");
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
