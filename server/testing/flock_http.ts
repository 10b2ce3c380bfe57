/**
 * Talking to a Flock that runs as a real process (`deno task start`, the
 * bundle, `startFlockProcess`) by its base URL: a JSON call that must succeed,
 * and an instance created and awaited until it runs.
 *
 * @module
 */
import type { InstanceJson } from "../contract/instances.ts";

/**
 * Calls Flock's API with an optional JSON body and bearer token.
 *
 * @returns The parsed JSON body (undefined when empty).
 * @throws {Error} on a non-2xx answer, naming the call, status and body.
 */
export async function api<T>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers["authorization"] = `Bearer ${token}`;
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * Creates an instance in `dir` and waits until it runs (at most a minute).
 *
 * @throws {Error} when it fails for good (five restarts) or never runs.
 */
export async function runningInstance(
  base: string,
  dir: string,
): Promise<InstanceJson> {
  const created = await api<InstanceJson>(base, "POST", "/api/instances", {
    working_directory: dir,
  });
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    const inst = await api<InstanceJson>(
      base,
      "GET",
      `/api/instances/${created.id}`,
    );
    if (inst.status === "running") return inst;
    if (inst.status === "error" && inst.restart_count >= 5) {
      throw new Error(`the instance failed: ${inst.last_error}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`instance ${created.id} did not reach running`);
}
