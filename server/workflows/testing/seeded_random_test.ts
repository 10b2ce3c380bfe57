import { assert, assertEquals } from "../../testing/assert.ts";
import { SeededRandom } from "./seeded_random.ts";

Deno.test("SeededRandom repeats for a seed and stays in range", () => {
  const a = new SeededRandom(7);
  const b = new SeededRandom(7);
  const xs = Array.from({ length: 100 }, () => a.next());
  assertEquals(xs, Array.from({ length: 100 }, () => b.next()));
  assert(xs.every((x) => x >= 0 && x < 1));
  const r = new SeededRandom(1);
  for (let i = 0; i < 1000; i++) {
    const n = r.int(5);
    assert(n >= 0 && n < 5 && Number.isInteger(n));
  }
  assertEquals(new SeededRandom(3).pick(["x"]), "x");
});
