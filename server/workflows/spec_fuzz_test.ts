/**
 * Spec fuzz: 1,000 seeded bad specs, each a mutation of a valid one (a wrong
 * type, a missing field, a dangling reference, a bad value, a duplicate, an
 * unknown key, broken YAML). Each must throw a typed `WorkflowSpecError`
 * whose issues carry a field path (or, for broken YAML, a line and column),
 * naming the field the mutation broke; no other exception may escape. Then
 * random byte damage, which may or may not be valid, must still throw
 * nothing but `WorkflowSpecError`.
 *
 * The seed is fixed; `WORKFLOW_SEED=<n>` reproduces a run and
 * `WORKFLOW_SEED=random` draws one (printed).
 */
import { assert, assertEquals } from "../testing/assert.ts";
import { parseWorkflowSpec } from "./spec.ts";
import { WorkflowSpecError } from "./spec_types.ts";
import { BAD_SPEC_KINDS, badSpec } from "./testing/bad_specs.ts";
import { chooseSeed, SeededRandom } from "./testing/seeded_random.ts";
import { BUGFIX_YAML, FEATURE_YAML, GATED_YAML } from "./testing/specs.ts";

const { seed: SEED, random: RANDOM_SEED } = chooseSeed();
const CASES = 1000;

Deno.test(`spec fuzz: ${CASES} bad specs each give a WorkflowSpecError naming the field (seed ${SEED})`, () => {
  // deno-lint-ignore no-console
  if (RANDOM_SEED) console.log(`spec_fuzz_test: WORKFLOW_SEED=${SEED}`);
  const rng = new SeededRandom(SEED);
  const kinds = new Map<string, number>();
  for (let i = 0; i < CASES; i++) {
    const item = badSpec(rng);
    kinds.set(item.kind, (kinds.get(item.kind) ?? 0) + 1);
    const label = `case ${i} (${item.kind}, seed ${SEED}):\n${item.text}`;
    let error: unknown = null;
    try {
      parseWorkflowSpec(item.text);
    } catch (caught) {
      error = caught;
    }
    assert(
      error instanceof WorkflowSpecError,
      `${label}\nthrew ${String(error)}`,
    );
    assert(error.issues.length > 0, label);
    for (const issue of error.issues) {
      assert(
        issue.path !== "" || issue.line !== undefined || issue.message !== "",
        label,
      );
    }
    if (item.path === null) {
      assert(
        error.issues.every((issue) =>
          issue.line !== undefined && issue.column !== undefined
        ),
        label,
      );
    } else {
      const paths = error.issues.map((issue) => issue.path);
      assert(
        paths.some((path) => path.startsWith(item.path!)),
        `${label}\nexpected an issue at ${item.path}, got ${paths.join(", ")}`,
      );
    }
  }
  assertEquals(
    kinds.size,
    BAD_SPEC_KINDS,
    `every kind of mutation ran: ${[...kinds.keys()]}`,
  );
});

Deno.test(`spec fuzz: random damage to valid specs throws nothing but WorkflowSpecError (seed ${SEED})`, () => {
  const rng = new SeededRandom(SEED ^ 0xbad);
  const texts = [FEATURE_YAML, BUGFIX_YAML, GATED_YAML];
  const alphabet = [
    ":",
    "-",
    " ",
    "\n",
    "\t",
    "{",
    "}",
    "[",
    "]",
    "'",
    '"',
    "&",
    "*",
    "!",
    "|",
    ">",
    "#",
    "%",
    "@",
    "`",
    "x",
    "0",
    "\u0000",
    "\ufeff",
  ];
  let failures = 0;
  for (let i = 0; i < 500; i++) {
    const chars = [...rng.pick(texts)];
    for (let edits = 1 + rng.int(4); edits > 0; edits--) {
      const at = rng.int(chars.length);
      const op = rng.int(3);
      if (op === 0) chars.splice(at, 1);
      else if (op === 1) chars.splice(at, 0, rng.pick(alphabet));
      else chars[at] = rng.pick(alphabet);
    }
    try {
      parseWorkflowSpec(chars.join(""));
    } catch (error) {
      assert(
        error instanceof WorkflowSpecError,
        `damage case ${i}: ${String(error)}`,
      );
      failures++;
    }
  }
  assert(failures > 100, `only ${failures} damaged specs failed`);
});
