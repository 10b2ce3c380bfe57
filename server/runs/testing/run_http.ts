/**
 * A call to a test Flock's API that must answer with one status (200 unless
 * told): its body, or a failure naming the call and what came back.
 *
 * @module
 */
import { assertEquals } from "../../testing/assert.ts";
import type { TestFlock } from "../../testing/flock_harness.ts";

/** Calls the API and asserts the status; returns the body. */
export async function ok<T>(
  flock: TestFlock,
  method: string,
  path: string,
  body?: unknown,
  status = 200,
): Promise<T> {
  const res = await flock.api<T>(method, path, body);
  assertEquals(
    res.status,
    status,
    `${method} ${path}: ${JSON.stringify(res.body)}`,
  );
  return res.body;
}
