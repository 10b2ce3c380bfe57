import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertThrows,
} from "../assert.ts";
import type { Route } from "../../http/router.ts";
import { generate } from "./generate.ts";
import { DEFAULT_FUZZ_SEED, fuzzCount, fuzzSeed, Gen } from "./random.ts";

Deno.test("fuzzSeed: fixed by default, random or a number when asked", () => {
  assertEquals(fuzzSeed(undefined), DEFAULT_FUZZ_SEED);
  assertEquals(fuzzSeed(""), DEFAULT_FUZZ_SEED);
  assertEquals(fuzzSeed("42"), 42);
  assertEquals(fuzzSeed("4294967295"), 4294967295);
  const random = fuzzSeed("random");
  assert(Number.isInteger(random) && random >= 0 && random <= 0xffffffff);
  for (const bad of ["-1", "1.5", "abc", "4294967296"]) {
    const error = assertThrows(() => fuzzSeed(bad), Error);
    assertMatch(error.message, /^Cannot use FLOCK_FUZZ_SEED as /);
  }
});

Deno.test("fuzzCount: a positive integer, else the fallback", () => {
  assertEquals(fuzzCount(undefined, 400), 400);
  assertEquals(fuzzCount("25", 400), 25);
  assertThrows(() => fuzzCount("0", 400), Error);
  assertThrows(() => fuzzCount("x", 400), Error);
});

Deno.test("the same seed generates the same requests; another seed does not", () => {
  const handler = () => new Response();
  const routes: Route[] = [
    { method: "GET", path: "/api/instances/:id", summary: "", handler },
    { method: "POST", path: "/api/instances", summary: "", handler },
  ];
  const run = (seed: number) => {
    const gen = new Gen(seed);
    return Array.from({ length: 50 }, (_, i) => {
      const c = generate(
        gen,
        i,
        routes,
        ["inst_1"],
        "http://127.0.0.1:1",
        1,
        false,
      );
      return `${c.kind} ${c.method} ${c.path} ${JSON.stringify(c.headers)}`;
    });
  };
  assertEquals(run(7), run(7));
  assertNotEquals(run(7), run(8));
});
