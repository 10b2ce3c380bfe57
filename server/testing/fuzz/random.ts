/**
 * The fuzzer's randomness: a seedable PRNG, the seed policy, and the
 * generator of hostile values (strings, JSON values, objects).
 *
 * The seed is fixed unless asked otherwise, so a run is reproducible by
 * default: `FLOCK_FUZZ_SEED=random` picks a fresh one, a number picks that
 * one. The fuzz tests print the seed they use.
 *
 * @module
 */

/** The seed every run uses unless `FLOCK_FUZZ_SEED` says otherwise. */
export const DEFAULT_FUZZ_SEED = 20261201;

/**
 * The seed from `FLOCK_FUZZ_SEED`: unset or empty → the fixed default,
 * `random` → a fresh random one, a non-negative integer → that one.
 */
export function fuzzSeed(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return DEFAULT_FUZZ_SEED;
  if (value.trim() === "random") {
    return crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;
  }
  if (!/^\d+$/.test(value.trim()) || Number(value) > 0xffffffff) {
    throw new Error(
      `Cannot use FLOCK_FUZZ_SEED as ${
        JSON.stringify(value)
      }: give "random" or an integer from 0 to 4294967295`,
    );
  }
  return Number(value);
}

/** The request count from `FLOCK_FUZZ_COUNT` (a positive integer), else `fallback`. */
export function fuzzCount(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  if (!/^\d+$/.test(value.trim()) || Number(value) === 0) {
    throw new Error(
      `Cannot use FLOCK_FUZZ_COUNT as ${
        JSON.stringify(value)
      }: give a positive integer`,
    );
  }
  return Number(value);
}

/** mulberry32: a small, seedable PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Strings that have broken servers before. */
export const HOSTILE_STRINGS = [
  "",
  " ",
  ".",
  "..",
  "../",
  "../../../../etc/passwd",
  "..%2f..%2f..%2fetc%2fpasswd",
  "%2e%2e%2f%2e%2e%2f",
  "....//....//etc",
  "/etc/passwd",
  "/etc",
  "/proc/self/environ",
  "/dev/null",
  "/",
  "//",
  "C:\\Windows\\System32",
  "\\\\server\\share",
  "a\u0000b",
  "\u0000",
  "\u202eevil",
  "💥🔥",
  "𝕱𝖑𝖔𝖈𝖐",
  "ＡＢＣ／．．",
  "\ufeffbom",
  "e\u0301\u0301\u0301",
  "<script>alert(1)</script>",
  "' OR '1'='1' --",
  '"; DROP TABLE instances; --',
  "${jndi:ldap://x}",
  "%s%s%s%n",
  "{{7*7}}",
  "inst_0000000000000000",
  "inst_does_not_exist",
  "ses_does_not_exist",
  "per_does_not_exist",
  "msg_x",
  "-1",
  "0",
  "1e309",
  "NaN",
  "null",
  "undefined",
  "true",
  "[]",
  "{}",
  "__proto__",
  "constructor",
  "prototype",
  "x".repeat(5000),
  "\r\nX-Injected: 1",
  "\t\n",
  "a/b/c",
  "?x=1",
  "#frag",
  "%",
  "%zz",
  "%00",
  "%ff%fe",
];

/** JSON keys Flock and OpenCode read, plus prototype keys. */
export const FIELD_NAMES = [
  "working_directory",
  "name",
  "title",
  "text",
  "parts",
  "reply",
  "message",
  "model",
  "agent",
  "providerID",
  "modelID",
  "directory",
  "id",
  "session_id",
  "instance_id",
  "permission_id",
  "response",
  "system",
  "noReply",
  "tools",
  "type",
  "__proto__",
  "constructor",
  "",
];

/** A seeded source of hostile values. */
export class Gen {
  readonly #r: () => number;
  constructor(seed: number) {
    this.#r = prng(seed);
  }
  float(): number {
    return this.#r();
  }
  int(n: number): number {
    return Math.floor(this.#r() * n);
  }
  chance(p: number): boolean {
    return this.#r() < p;
  }
  pick<T>(list: readonly T[]): T {
    const v = list[this.int(list.length)];
    if (v === undefined) throw new Error("pick from an empty list");
    return v;
  }
  unicode(): string {
    const len = this.int(12);
    let s = "";
    for (let i = 0; i < len; i++) {
      const r = this.float();
      if (r < 0.3) s += String.fromCharCode(0x20 + this.int(95));
      else if (r < 0.5) s += String.fromCharCode(this.int(0x20)); // controls
      else if (r < 0.7) s += String.fromCharCode(0x80 + this.int(0x780));
      else if (r < 0.8) s += String.fromCharCode(0xd800 + this.int(0x800)); // lone surrogates
      else s += String.fromCodePoint(0x1f300 + this.int(0x300));
    }
    return s;
  }
  hostileString(ids: readonly string[]): string {
    const r = this.float();
    if (r < 0.5) return this.pick(HOSTILE_STRINGS);
    if (r < 0.65 && ids.length > 0) return this.pick(ids);
    if (r < 0.8) return this.unicode();
    if (r < 0.9) {
      return `${this.pick(ids.length ? ids : ["x"])}${
        this.pick(HOSTILE_STRINGS)
      }`;
    }
    return this.pick([
      "/tmp",
      "/",
      "/root",
      "/nonexistent/dir",
      "/etc/hostname",
    ]);
  }
  value(depth: number, ids: readonly string[]): unknown {
    const r = this.float();
    if (depth > 3 || r < 0.45) return this.hostileString(ids);
    if (r < 0.55) {
      return this.pick([0, -1, 1.5, 1e308, -0, 2 ** 53 + 1, 4294967296]);
    }
    if (r < 0.62) return this.pick([true, false, null]);
    if (r < 0.8) {
      return Array.from(
        { length: this.int(4) },
        () => this.value(depth + 1, ids),
      );
    }
    return this.object(depth + 1, ids);
  }
  object(depth: number, ids: readonly string[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const n = this.int(4);
    for (let i = 0; i < n; i++) {
      const key = this.chance(0.85) ? this.pick(FIELD_NAMES) : this.unicode();
      // defineProperty: "__proto__" becomes a real own key (sent in JSON).
      Object.defineProperty(out, key, {
        value: this.value(depth, ids),
        enumerable: true,
        configurable: true,
        writable: true,
      });
    }
    return out;
  }
}
