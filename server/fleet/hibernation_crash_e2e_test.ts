/**
 * Flock killed with -9 while an instance hibernates, and while it wakes,
 * then started again on the same database: the instance is `hibernated`
 * (it wakes on use), no OpenCode process of it is left running, and the
 * next request wakes it. Flock runs as a real process with the launcher's
 * permissions; the OpenCode children are real, with the fake model.
 */
import type { InstanceJson } from "../contract/instances.ts";
import type { SessionJson } from "../contract/sessions.ts";
import { INSTANCE_MARKER_ENV, isOpenCodeServe } from "../opencode/reaper.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { startFakeModel } from "../testing/fake_model.ts";
import {
  type FlockProcess,
  startFlockProcess,
} from "../testing/flock_process.ts";
import { createOpenCodeEnv } from "../testing/opencode_env.ts";
import { procsWithEnv, waitFor } from "../testing/procfs.ts";
import { SseReader } from "../testing/sse_reader.ts";

async function api<T>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (text ? JSON.parse(text) : undefined) as T,
  };
}

async function waitStatus(
  base: string,
  id: string,
  status: InstanceJson["status"],
): Promise<InstanceJson> {
  const end = Date.now() + 120_000;
  let last: InstanceJson | undefined;
  while (Date.now() < end) {
    last = (await api<InstanceJson>(base, "GET", `/api/instances/${id}`)).body;
    if (last.status === status) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`instance ${id} is ${last?.status}, not ${status}`);
}

/** Opens the event stream and resolves once `id` reaches `status` on it. */
async function whenStatus(base: string, id: string, status: string) {
  const res = await fetch(`${base}/api/events`);
  const sse = new SseReader(res.body!);
  return {
    reached: sse.until((e) => {
      if (e.event !== "instance.status") return false;
      const data = JSON.parse(e.data) as {
        instance_id: string;
        properties: { instance: InstanceJson };
      };
      return data.instance_id === id &&
        data.properties.instance.status === status;
    }, 120_000),
    close: () => sse.cancel(),
  };
}

function openCodes(id: string): number[] {
  return procsWithEnv(INSTANCE_MARKER_ENV, id)
    .filter((p) => isOpenCodeServe(p.cmdline))
    .map((p) => p.pid);
}

Deno.test({
  name:
    "kill -9 of Flock while an instance hibernates or wakes: after a restart it is hibernated, nothing is orphaned, and it wakes on use",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using model = await startFakeModel();
    await using env = await createOpenCodeEnv({ modelBaseURL: model.baseURL });
    const ws = await env.workspace("crashy");
    const home = env.env.HOME!;
    const start = () =>
      startFlockProcess({ home, env: env.env, args: ["--port", "0"] });
    let flock: FlockProcess = await start();
    const killHard = async () => {
      flock.child.kill("SIGKILL");
      await flock.exited;
    };
    let id = "";
    try {
      const created = await api<InstanceJson>(
        flock.url,
        "POST",
        "/api/instances",
        { working_directory: ws },
      );
      assertEquals(created.status, 201);
      id = created.body.id;
      await waitStatus(flock.url, id, "running");

      await t.step("killed while it hibernates", async () => {
        const watch = await whenStatus(flock.url, id, "hibernating");
        const hibernating = api(
          flock.url,
          "POST",
          `/api/instances/${id}/hibernate`,
        ).catch(() => undefined);
        await watch.reached;
        await killHard();
        await watch.close();
        await hibernating;
        flock = await start();
        const row = await waitStatus(flock.url, id, "hibernated");
        assertEquals(row.pid, null);
        assert(row.hibernated_at !== null);
        await waitFor("no OpenCode of it", () => openCodes(id).length === 0);
      });

      await t.step("killed while it wakes", async () => {
        const watch = await whenStatus(flock.url, id, "starting");
        const waking = api(
          flock.url,
          "POST",
          `/api/instances/${id}/sessions`,
          {},
        ).catch(() => undefined);
        await watch.reached;
        // Its fresh child may or may not have been recorded yet: the
        // restart finds it by its marker either way.
        await waitFor("the waking child", () => openCodes(id).length > 0);
        const orphans = openCodes(id);
        await killHard();
        await watch.close();
        await waking;
        assert(orphans.length > 0, "a child outlived Flock");
        flock = await start();
        const row = await waitStatus(flock.url, id, "hibernated");
        assertEquals(row.pid, null);
        await waitFor("no OpenCode of it", () => openCodes(id).length === 0);
      });

      await t.step("then a request wakes it", async () => {
        const session = await api<SessionJson>(
          flock.url,
          "POST",
          `/api/instances/${id}/sessions`,
          { title: "after the crashes" },
        );
        assertEquals(session.status, 201, JSON.stringify(session.body));
        const row = await waitStatus(flock.url, id, "running");
        assertEquals(openCodes(id), [row.pid!]);
      });
      flock.child.kill("SIGTERM");
      assertEquals((await flock.exited).code, 0);
      await waitFor("no OpenCode of it", () => openCodes(id).length === 0);
    } finally {
      await flock[Symbol.asyncDispose]();
      for (const pid of id ? openCodes(id) : []) Deno.kill(pid, "SIGKILL");
    }
  },
});
