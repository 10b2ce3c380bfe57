/**
 * A run reaches a hibernated instance by waking it: `InstanceAccess` starts
 * it and goes on when it runs; one that was going to sleep is woken once
 * asleep. A fake host and the fake clock; no process.
 */
import type { InstanceJson } from "../contract/instances.ts";
import { assertEquals } from "../testing/assert.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import {
  type AttemptSessions,
  InstanceAccess,
  type RunHost,
} from "./instance_access.ts";

function fakeHost(status: InstanceJson["status"]) {
  const api = {} as AttemptSessions;
  const host = {
    status,
    started: 0,
    sessions: (): AttemptSessions => {
      if (host.status !== "running") throw new Error("not running");
      return api;
    },
    instance: (id: string) => ({ id, status: host.status }) as InstanceJson,
    startInstance: () => {
      host.started++;
      host.status = "starting";
    },
  };
  return { host: host satisfies RunHost, api };
}

Deno.test("a run wakes a hibernated instance and goes on once it runs", async () => {
  const { host, api } = fakeHost("hibernated");
  const access = new InstanceAccess(host, new FakeClock());
  const reached = access.sessions("inst_a", new AbortController().signal);
  assertEquals([host.started, host.status], [1, "starting"]);
  host.status = "running";
  access.changed("inst_a", "running");
  assertEquals(await reached, api);
});

Deno.test("a run that meets an instance going to sleep wakes it once asleep", async () => {
  const { host, api } = fakeHost("hibernating");
  const access = new InstanceAccess(host, new FakeClock());
  const reached = access.sessions("inst_a", new AbortController().signal);
  await Promise.resolve();
  assertEquals(host.started, 0);
  host.status = "hibernated";
  access.changed("inst_a", "hibernated");
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals([host.started, host.status], [1, "starting"]);
  host.status = "running";
  access.changed("inst_a", "running");
  assertEquals(await reached, api);
});
