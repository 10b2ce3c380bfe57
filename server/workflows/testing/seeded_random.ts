/**
 * A small seedable PRNG for the property and fuzz tests. The seed is fixed
 * unless `WORKFLOW_SEED` is set: a number reproduces a run, `random` draws a
 * new seed (and the test prints it).
 *
 * @module
 */

/** The seed the tests use when none is asked for. */
export const DEFAULT_SEED = 20261201;

/** The seed to use: `WORKFLOW_SEED`, a random one for `random`, else the default. */
export function chooseSeed(): { seed: number; random: boolean } {
  const asked = Deno.env.get("WORKFLOW_SEED");
  if (asked === "random") {
    return {
      seed: crypto.getRandomValues(new Uint32Array(1))[0]!,
      random: true,
    };
  }
  if (asked !== undefined && asked !== "") {
    return { seed: Number(asked) >>> 0, random: false };
  }
  return { seed: DEFAULT_SEED, random: false };
}

/** A seeded random source (mulberry32). */
export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** One item of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}
