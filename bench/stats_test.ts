import { assertEquals } from "../server/testing/assert.ts";
import { concat, median, percentile, round, summarize } from "./stats.ts";

Deno.test("percentile uses the nearest rank", () => {
  assertEquals(percentile([4, 1, 3, 2], 50), 2);
  assertEquals(percentile([4, 1, 3, 2], 99), 4);
  assertEquals(percentile([7], 1), 7);
  assertEquals(Number.isNaN(percentile([], 50)), true);
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  assertEquals(percentile(hundred, 99), 99);
  assertEquals(percentile(hundred, 50), 50);
});

Deno.test("median averages the middle pair", () => {
  assertEquals(median([3, 1, 2]), 2);
  assertEquals(median([4, 1, 3, 2]), 2.5);
});

Deno.test("summarize, concat and round", () => {
  assertEquals(
    summarize(concat([new Float64Array([1, 2]), new Float64Array([3])])),
    {
      p50: 2,
      p99: 3,
      n: 3,
    },
  );
  assertEquals(round(1.23456, 2), 1.23);
});
