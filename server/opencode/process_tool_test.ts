import assert from "node:assert/strict";
import {
  isOpenCodeServe,
  parseKillResult,
  parseProcessList,
  PROCESS_TOOL_SCRIPT,
  processToolCommand,
  ProcessToolError,
} from "./process_tool.ts";
import type { RunResult } from "./spawn.ts";

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
