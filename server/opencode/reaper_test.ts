import assert from "node:assert/strict";
import { FakeClock } from "../testing/fake_clock.ts";
import {
  FakeChild,
  fakeProcess,
  FakeProcessTree,
} from "../testing/fake_spawn.ts";
import { INSTANCE_MARKER_ENV, isOpenCodeServe, Reaper } from "./reaper.ts";

const mark = (id: string) => ({ [INSTANCE_MARKER_ENV]: id });

function setup() {
  const clock = new FakeClock();
  const tree = new FakeProcessTree();
  const reaper = new Reaper({ processes: tree, clock, graceMs: 5000 });
  const child = new FakeChild(100, { command: "opencode", args: ["serve"] });
  tree.processes = [
    fakeProcess(100, 1, ["opencode", "serve"], mark("inst_a")),
    fakeProcess(101, 100, ["bash"], mark("inst_a")),
    fakeProcess(102, 1, ["sleep", "60"], mark("inst_a")), // escaped (setsid)
    fakeProcess(103, 101, ["sleep", "1"]),
    fakeProcess(200, 1, ["opencode", "serve"], mark("inst_b")),
  ];
  return { clock, tree, reaper, child };
}

Deno.test("isOpenCodeServe", () => {
  assert.ok(isOpenCodeServe(["/x/bin/opencode", "serve", "--port", "0"]));
  assert.ok(isOpenCodeServe(["opencode", "serve"]));
  assert.ok(isOpenCodeServe(["node", "/x/.bin/opencode", "serve"]));
  assert.ok(!isOpenCodeServe(["/x/bin/opencode", "run", "serve-me"]));
  assert.ok(!isOpenCodeServe(["sleep", "30"]));
  assert.ok(!isOpenCodeServe(["/x/opencode-helper", "serve"]));
  assert.ok(!isOpenCodeServe([]));
});

Deno.test("stopTree: SIGTERM to the child, then its tree and marked processes", async () => {
  const { tree, reaper, child } = setup();
  await reaper.stopTree("inst_a", child);
  assert.deepEqual(child.signals, ["SIGTERM"]);
  assert.deepEqual(tree.calls.map((c) => c.op), ["scan", "scan", "kill"]);
  const [targets, signal, grace] = tree.calls[2]!.args;
  assert.deepEqual(
    (targets as { pid: number }[]).map((t) => t.pid).sort(),
    [101, 102, 103],
    "not the child itself (Deno signals it), not another instance",
  );
  assert.equal(signal, "SIGTERM");
  assert.equal(grace, 1000);
  assert.deepEqual(tree.processes.map((p) => p.pid), [100, 200]);
});

Deno.test("stopTree: SIGKILL after the grace period", async () => {
  const { clock, reaper, child } = setup();
  child.ignoreSigterm = true;
  const stopping = reaper.stopTree("inst_a", child);
  await clock.untilSleeping(1);
  assert.deepEqual(clock.pending, [5000]);
  await clock.advance(5000);
  await stopping;
  assert.deepEqual(child.signals, ["SIGTERM", "SIGKILL"]);
  assert.deepEqual(await child.status, { code: 137, signal: "SIGKILL" });
});

Deno.test("stopTree: without a process helper only the child is signalled", async () => {
  const { tree, reaper, child } = setup();
  tree.failing = true;
  await reaper.stopTree("inst_a", child);
  assert.deepEqual(child.signals, ["SIGTERM"]);
  assert.deepEqual(tree.calls.map((c) => c.op), ["scan"]);
  assert.equal(tree.processes.length, 5);
});

Deno.test("reconcile: a leftover opencode serve dies with its tree and marked processes", async () => {
  const { tree, reaper } = setup();
  await reaper.reconcile({ id: "inst_a", pid: 100 });
  assert.deepEqual(tree.processes.map((p) => p.pid), [200]);
  const kill = tree.calls.find((c) => c.op === "kill")!;
  assert.equal(kill.args[2], 5000, "the stop grace period");
});

Deno.test("reconcile: a reused pid or another instance's OpenCode is left alone", async () => {
  const { tree, reaper } = setup();
  tree.processes.push(fakeProcess(300, 1, ["vim", "notes"]));
  await reaper.reconcile({ id: "inst_a", pid: 300 });
  // Only the processes marked inst_a went (103 is unmarked and was not
  // below a leftover OpenCode this time).
  assert.deepEqual(tree.processes.map((p) => p.pid).sort(), [103, 200, 300]);
  await reaper.reconcile({ id: "inst_c", pid: 200 });
  assert.deepEqual(tree.processes.map((p) => p.pid).sort(), [103, 200, 300]);
  assert.equal(tree.calls.filter((c) => c.op === "kill").length, 1);
});

Deno.test("reconcile: without a process helper nothing is signalled", async () => {
  const { tree, reaper } = setup();
  tree.failing = true;
  await reaper.reconcile({ id: "inst_a", pid: 100 });
  assert.equal(tree.processes.length, 5);
});
