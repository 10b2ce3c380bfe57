import { assertEquals } from "../testing/assert.ts";
import {
  closest,
  describeType,
  formatPath,
  isMapping,
  SpecReader,
} from "./spec_reader.ts";

Deno.test("formatPath writes indexes, identifiers and quoted keys", () => {
  assertEquals(formatPath([]), "");
  assertEquals(
    formatPath(["steps", 3, "loop", "verify_step"]),
    "steps[3].loop.verify_step",
  );
  assertEquals(
    formatPath(["agents", 0, "workspace", "files", "AGENTS.md"]),
    'agents[0].workspace.files["AGENTS.md"]',
  );
  assertEquals(formatPath(["context", "a b"]), 'context["a b"]');
});

Deno.test("describeType names YAML types", () => {
  assertEquals(
    [null, undefined, [], {}, "s", 1, 1.5, true, new Uint8Array(1)].map(
      describeType,
    ),
    [
      "nothing",
      "nothing",
      "a list",
      "a mapping",
      "a string",
      "an integer",
      "a number",
      "a boolean",
      "binary data",
    ],
  );
});

Deno.test("closest suggests near misses and prefixes only", () => {
  assertEquals(closest("on_fial", ["on_fail", "input"]), "on_fail");
  assertEquals(closest("retry", ["retry_step", "max_retries"]), "retry_step");
  assertEquals(closest("zzz", ["on_fail", "input"]), null);
  assertEquals(closest("ab", ["abc_def"]), null);
});

Deno.test("isMapping accepts plain objects only", () => {
  assertEquals(
    [{}, [], null, "x", new Map(), new Uint8Array()].map(isMapping),
    [
      true,
      false,
      false,
      false,
      false,
      false,
    ],
  );
});

Deno.test("SpecReader collects errors and warnings with positions", () => {
  const reader = new SpecReader((path) =>
    path.length === 1 ? { line: 2, column: 3 } : undefined
  );
  const value = { a: "x", b: 7, c: true, d: "nope", e: [1] };
  assertEquals(reader.string(value, "a", [], { required: true }), "x");
  assertEquals(reader.string(value, "b", []), null);
  assertEquals(reader.string(value, "z", []), null);
  assertEquals(reader.string(value, "z", [], { required: true }), null);
  assertEquals(reader.integer(value, "b", [], { min: 0, max: 5 }, 1), 1);
  assertEquals(reader.integer(value, "z", [], { min: 0, max: 5 }, 4), 4);
  assertEquals(reader.boolean(value, "c", [], false), true);
  assertEquals(
    reader.choice(value, "d", [], ["yes", "no"] as const, "no"),
    null,
  );
  assertEquals(reader.list(value, "e", [], true), [1]);
  assertEquals(reader.list(value, "a", [], true), null);
  reader.keys(value, [], ["a", "b"], { c: "ignored" });
  assertEquals(reader.errors.map((e) => `${e.path}@${e.line}: ${e.message}`), [
    "b@2: expected a string, got an integer",
    "z@2: missing",
    "b@2: 7 is out of range; expected 0 to 5",
    'd@2: "nope" is not one of yes, no',
    "a@2: expected a list, got a string",
    "d@2: unknown key",
    "e@2: unknown key",
  ]);
  assertEquals(reader.warnings.map((w) => `${w.path}: ${w.message}`), [
    "c: ignored",
  ]);
});
