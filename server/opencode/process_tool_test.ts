import assert from "node:assert/strict";
import { pinnedOpenCodePath } from "./opencode_binary.ts";
import {
  isOpenCodeServe,
  parseKillResult,
  parseProcessList,
  PROCESS_TOOL_SCRIPT,
  ProcessTool,
  processToolCommand,
  ProcessToolError,
} from "./process_tool.ts";
import type { RunResult } from "./spawn.ts";
import { spawnChild } from "./spawn.ts";

const run = (stdout: string, code = 0, stderr = ""): RunResult => ({
  code,
  stdout,
  stderr,
  timedOut: false,
});

Deno.test("processToolCommand passes the request as one argv entry", () => {
  const cmd = processToolCommand("/bin/oc", {
    op: "inspect",
    pids: [1],
    envKeys: ["X'); process.exit(9); ('"],
  });
  assert.equal(cmd.command, "/bin/oc");
  assert.deepEqual(cmd.env, { BUN_BE_BUN: "1" });
  assert.equal(cmd.args[0], "-e");
  assert.equal(cmd.args[1], PROCESS_TOOL_SCRIPT);
  assert.equal(cmd.args.length, 3);
  assert.deepEqual(JSON.parse(cmd.args[2]!).envKeys, [
    "X'); process.exit(9); ('",
  ]);
});

Deno.test("parseProcessList reads the last JSON line", () => {
  const list = parseProcessList(run(
    'noise\n{"ok":true,"processes":[{"pid":5,"ppid":1,"pgid":5,"sid":5,"state":"S","start":99,"cmdline":["sleep","1"],"env":{}}]}\n',
  ));
  assert.deepEqual(list, [{
    pid: 5,
    ppid: 1,
    pgid: 5,
    sid: 5,
    state: "S",
    start: 99,
    cmdline: ["sleep", "1"],
    env: {},
  }]);
});

Deno.test("parseProcessList rejects failures and malformed output", () => {
  assert.throws(
    () => parseProcessList(run('{"ok":false,"error":"boom"}', 1)),
    /boom/,
  );
  assert.throws(
    () => parseProcessList(run("", 2, "sh: -e: not found")),
    (e: unknown) =>
      e instanceof ProcessToolError && /not found/.test(e.message) &&
      /exit code 2/.test(e.message),
  );
  assert.throws(
    () => parseProcessList(run('{"ok":true,"processes":[{"pid":"1"}]}')),
    ProcessToolError,
  );
  assert.throws(() => parseProcessList(run('{"ok":true}')), ProcessToolError);
  assert.throws(() => parseProcessList(run("[1]")), ProcessToolError);
});

Deno.test("parseKillResult", () => {
  assert.deepEqual(
    parseKillResult(
      run('{"ok":true,"signalled":[1,2],"forced":[2],"survivors":[]}'),
    ),
    { signalled: [1, 2], forced: [2], survivors: [] },
  );
  assert.throws(
    () => parseKillResult(run('{"ok":true,"signalled":[1]}')),
    ProcessToolError,
  );
});

Deno.test("isOpenCodeServe", () => {
  assert.ok(isOpenCodeServe(["/x/bin/opencode", "serve", "--port", "0"]));
  assert.ok(isOpenCodeServe(["opencode", "serve"]));
  assert.ok(isOpenCodeServe(["node", "/x/.bin/opencode", "serve"]));
  assert.ok(!isOpenCodeServe(["/x/bin/opencode", "run", "serve-me"]));
  assert.ok(!isOpenCodeServe(["sleep", "30"]));
  assert.ok(!isOpenCodeServe(["/x/opencode-helper", "serve"]));
  assert.ok(!isOpenCodeServe([]));
});

function isAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

Deno.test("ProcessTool: scans, inspects and kills a real tree, escaped sessions included", async () => {
  const tool = new ProcessTool({ binary: pinnedOpenCodePath() });
  const marker = `flock-test-${crypto.randomUUID()}`;
  const child = spawnChild({
    command: "/bin/sh",
    args: ["-c", "sleep 30 & setsid sleep 31 & echo started; wait"],
    env: { FLOCK_INSTANCE_ID: marker },
  });
  const stdout = child.stdout.getReader();
  await stdout.read(); // "started"
  try {
    const found = await tool.scan({
      roots: [child.pid],
      envMatch: { key: "FLOCK_INSTANCE_ID", value: marker },
      envKeys: ["FLOCK_INSTANCE_ID"],
    });
    const sleeps = found.filter((p) => p.cmdline[0] === "sleep");
    assert.equal(sleeps.length, 2, JSON.stringify(found));
    assert.ok(found.every((p) => p.env.FLOCK_INSTANCE_ID === marker));
    assert.ok(
      sleeps.some((p) => p.sid === p.pid),
      "setsid sleep has its own session",
    );

    const [self] = await tool.inspect([child.pid]);
    assert.equal(self?.cmdline[0], "/bin/sh");
    assert.deepEqual(await tool.inspect([2 ** 22 + 7]), []);

    // A stale start time protects a process from being signalled.
    const first = sleeps[0]!;
    const stale = await tool.kill(
      [{ pid: first.pid, start: first.start + 1 }],
      "SIGKILL",
    );
    assert.deepEqual(stale.signalled, []);
    assert.ok(isAlive(first.pid));

    const result = await tool.kill(
      sleeps.map((p) => ({ pid: p.pid, start: p.start })),
      "SIGTERM",
      2000,
    );
    assert.deepEqual(result.survivors, []);
    assert.equal(result.signalled.length, 2);
    for (const p of sleeps) assert.ok(!isAlive(p.pid), `${p.pid} alive`);
  } finally {
    child.kill("SIGKILL");
    await stdout.cancel();
    await child.stderr.cancel();
    await child.status;
  }
});

Deno.test("ProcessTool: a binary that is not OpenCode gives ProcessToolError", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fake = `${dir}/opencode`;
    await Deno.writeTextFile(fake, "#!/bin/sh\necho nope >&2\nexit 3\n");
    await Deno.chmod(fake, 0o755);
    const tool = new ProcessTool({ binary: fake });
    await assert.rejects(() => tool.inspect([1]), ProcessToolError);
    const missing = new ProcessTool({ binary: `${dir}/missing` });
    await assert.rejects(() => missing.scan({ roots: [1] }), ProcessToolError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
