import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { TooManyRequestsError } from "./errors.ts";
import { createInstanceCreateLimit, TokenBucket } from "./rate_limit.ts";

Deno.test("token bucket: capacity, then one token per window/capacity", () => {
  let t = 0;
  const bucket = new TokenBucket(2, 1000, () => t);
  assertEquals(bucket.take(), 0);
  assertEquals(bucket.take(), 0);
  assertEquals(bucket.take(), 500);
  t = 499;
  assert(bucket.take() > 0);
  t = 1000;
  assertEquals(bucket.take(), 0);
});

Deno.test("createInstanceCreateLimit: only POST /api/instances takes a token; an empty bucket is a 429 with retry-after", () => {
  let t = 0;
  const check = createInstanceCreateLimit(
    { capacity: 2, windowMs: 60_000 },
    () => t,
  );
  const url = new URL("http://127.0.0.1/api/instances");
  const post = new Request(url, { method: "POST" });
  check(post, url);
  check(post, url);
  // Other requests never count.
  const other = new URL("http://127.0.0.1/api/instances/x/restart");
  for (let i = 0; i < 5; i++) {
    check(new Request(url), url);
    check(new Request(other, { method: "POST" }), other);
  }
  const error = assertThrows(() => check(post, url), TooManyRequestsError);
  assertEquals(error.status, 429);
  assertEquals(error.code, "too_many_requests");
  assertEquals(error.headers["retry-after"], "30");
  assertEquals(error.retryAfterSeconds, 30);
  assert(error.message.startsWith("Cannot create another instance yet"));
  t = 30_000;
  check(post, url);

  const off = createInstanceCreateLimit(false, () => t);
  for (let i = 0; i < 100; i++) off(post, url);
});
