import assert from "node:assert/strict";
import { handleRequest, type HelperDeps } from "./proc_helper.ts";
import { ancestorsOf, descendantsOf, ProcReader } from "./procfs.ts";
import { fakeProc, statLine } from "../testing/fake_proc.ts";

/** A fake machine: Flock (100) → helper (101); an instance tree under 200. */
function machine() {
  const files: Record<string, string> = {
    "1/stat": statLine(1, "init", "S", 0, 1),
    "100/stat": statLine(100, "deno", "S", 1, 10),
    "100/environ": "MARK=x\0",
    "101/stat": statLine(101, "opencode", "S", 100, 11),
    "101/environ": "MARK=x\0",
    "200/stat": statLine(200, "opencode", "S", 100, 20),
    "200/cmdline": "/bin/opencode\0serve\0",
    "200/environ": "MARK=x\0",
    "200/status": "Name:\topencode\nVmRSS:\t  2048 kB\n",
    "201/stat": statLine(201, "bash", "S", 200, 21),
    "202/stat": statLine(202, "sleep", "S", 201, 22),
    "300/stat": statLine(300, "sleep", "S", 1, 30),
    "300/environ": "MARK=x\0",
    "400/stat": statLine(400, "other", "S", 1, 40),
  };
  const signals: Array<[number, string]> = [];
  let now = 0;
  const deps: HelperDeps = {
    reader: new ProcReader(fakeProc(files)),
    descendantsOf,
    ancestorsOf,
    kill(pid, signal) {
      if (!files[`${pid}/stat`]) throw new Error("ESRCH");
      signals.push([pid, signal]);
      // Processes obey SIGKILL; 300 ignores SIGTERM.
      if (signal === "SIGKILL" || pid !== 300) delete files[`${pid}/stat`];
    },
    sleep(ms) {
      now += ms;
      return Promise.resolve();
    },
    now: () => now,
    selfPid: 101,
  };
  return { files, signals, deps };
}

Deno.test("scan: descendants and marked processes, never the helper or Flock", async () => {
  const { deps } = machine();
  const { processes } = await handleRequest({
    op: "scan",
    roots: [200],
    envMatch: { key: "MARK", value: "x" },
    envKeys: ["MARK"],
  }, deps);
  // The root itself carries the marker, so the env match finds it too.
  assert.deepEqual(processes.map((p) => p.pid).sort(), [200, 201, 202, 300]);
  assert.deepEqual(processes.find((p) => p.pid === 300)?.env, { MARK: "x" });
  const tree = await handleRequest({ op: "scan", roots: [200] }, deps);
  assert.deepEqual(tree.processes.map((p) => p.pid).sort(), [201, 202]);
  const withRoot = await handleRequest(
    { op: "scan", roots: [200], includeRoots: true },
    deps,
  );
  assert.deepEqual(withRoot.processes.map((p) => p.pid).sort(), [
    200,
    201,
    202,
  ]);
});

Deno.test("inspect and scan report the RSS when asked", async () => {
  const { deps } = machine();
  const inspected = await handleRequest(
    { op: "inspect", pids: [200, 201], rss: true },
    deps,
  );
  assert.deepEqual(inspected.processes.map((p) => [p.pid, p.rssBytes]), [
    [200, 2048 * 1024],
    [201, null],
  ]);
  const scanned = await handleRequest(
    { op: "scan", roots: [200], includeRoots: true },
    deps,
  );
  assert.ok(scanned.processes.every((p) => !("rssBytes" in p)));
});

Deno.test("inspect leaves the dead out", async () => {
  const { deps } = machine();
  const { processes } = await handleRequest({
    op: "inspect",
    pids: [200, 999],
    envKeys: ["MARK"],
  }, deps);
  assert.deepEqual(processes.map((p) => [p.pid, p.cmdline, p.env]), [
    [200, ["/bin/opencode", "serve"], { MARK: "x" }],
  ]);
});

Deno.test("kill: start times guard reused pids; the stubborn get SIGKILL", async () => {
  const { deps, signals } = machine();
  const result = await handleRequest({
    op: "kill",
    targets: [
      { pid: 202, start: 22 },
      { pid: 300, start: 30 },
      { pid: 400, start: 41 }, // reused pid: another start time
      { pid: 999, start: 1 }, // gone
    ],
    signal: "SIGTERM",
    graceMs: 500,
  }, deps);
  assert.deepEqual(result, {
    signalled: [202, 300],
    forced: [300],
    survivors: [],
  });
  assert.deepEqual(signals, [[202, "SIGTERM"], [300, "SIGTERM"], [
    300,
    "SIGKILL",
  ]]);
});

Deno.test("kill without grace reports who is still there", async () => {
  const { deps } = machine();
  const result = await handleRequest({
    op: "kill",
    targets: [{ pid: 300, start: 30 }],
    signal: "SIGTERM",
  }, deps);
  assert.deepEqual(result, { signalled: [300], forced: [], survivors: [300] });
});

Deno.test("an unknown op is an error", async () => {
  const { deps } = machine();
  await assert.rejects(
    // @ts-expect-error: not an op
    () => handleRequest({ op: "format-disk" }, deps),
    /Cannot handle op/,
  );
});
