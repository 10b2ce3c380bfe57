/**
 * Spec fuzz over HTTP: 1,000 seeded bad specs (`testing/bad_specs.ts`)
 * sent to `POST /api/workflows` of a real Flock on 127.0.0.1. Each gets a
 * JSON 400 `invalid_workflow` whose message names the broken field (or,
 * for broken YAML, a line and column); never a 5xx, and nothing installed.
 *
 * The seed is fixed; `WORKFLOW_SEED=<n>` reproduces a run and
 * `WORKFLOW_SEED=random` draws one (printed).
 */
import type { ApiErrorBody } from "../contract/api.ts";
import { log } from "../log.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { startTestFlock } from "../testing/flock_harness.ts";
import { BAD_SPEC_KINDS, badSpec } from "../workflows/testing/bad_specs.ts";
import {
  chooseSeed,
  SeededRandom,
} from "../workflows/testing/seeded_random.ts";

const { seed: SEED } = chooseSeed();
const CASES = 1000;

Deno.test(`spec fuzz over HTTP: ${CASES} bad specs each get a JSON 400 naming the field, no 5xx (seed ${SEED})`, async () => {
  log.info(`workflow spec fuzz: seed ${SEED} (replay: WORKFLOW_SEED=${SEED})`);
  await using flock = await startTestFlock({ opencode: false });
  const rng = new SeededRandom(SEED);
  const kinds = new Set<string>();
  for (let i = 0; i < CASES; i++) {
    const item = badSpec(rng);
    kinds.add(item.kind);
    const res = await flock.api<ApiErrorBody>("POST", "/api/workflows", {
      yaml: item.text,
    });
    const label = `case ${i} (${item.kind}, seed ${SEED}): ${
      JSON.stringify(res.body)
    }\n${item.text}`;
    assertEquals(res.status, 400, label);
    assertEquals(res.body.error.code, "invalid_workflow", label);
    const message = res.body.error.message;
    if (item.path === null) {
      assert(/workflow\.yml:\d+:\d+: /.test(message), label);
    } else {
      assert(
        message.includes(`${item.path}`),
        `${label}\nexpected ${item.path}`,
      );
    }
  }
  assertEquals(kinds.size, BAD_SPEC_KINDS);
  assertEquals((await flock.api("GET", "/api/workflows")).body, []);
});
