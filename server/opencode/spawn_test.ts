import assert from "node:assert/strict";
import { runToCompletion, spawnChild, SpawnError } from "./spawn.ts";

Deno.test("spawnChild: a missing binary is a SpawnError", () => {
  assert.throws(
    () => spawnChild({ command: "/nonexistent/opencode", args: [] }),
    (e: unknown) =>
      e instanceof SpawnError && /\/nonexistent\/opencode/.test(e.message),
  );
});

Deno.test("spawnChild: env, cwd, exit status and kill after exit", async () => {
  const child = spawnChild({
    command: "/bin/sh",
    args: ["-c", 'echo "$FLOCK_X $(pwd)"; exit 4'],
    cwd: "/tmp",
    env: { FLOCK_X: "yes" },
    detached: true,
  });
  const [out] = await Promise.all([
    new Response(child.stdout).text(),
    child.stderr.cancel(),
  ]);
  assert.equal(out, "yes /tmp\n");
  assert.deepEqual(await child.status, { code: 4, signal: null });
  assert.equal(child.kill("SIGTERM"), false);
});

Deno.test("spawnChild: detached children get their own session", async () => {
  const child = spawnChild({ command: "sleep", args: ["5"], detached: true });
  try {
    const stat = await Deno.readTextFile(`/proc/${child.pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    assert.equal(Number(fields[3]), child.pid, "session id is its own pid");
  } finally {
    assert.equal(child.kill("SIGKILL"), true);
    await Promise.all([child.stdout.cancel(), child.stderr.cancel()]);
    assert.deepEqual(await child.status, { code: 137, signal: "SIGKILL" });
  }
});

Deno.test("runToCompletion: collects output and kills on timeout", async () => {
  const ok = await runToCompletion({
    command: "/bin/sh",
    args: ["-c", "echo out; echo err >&2"],
    timeoutMs: 5000,
  });
  assert.deepEqual(ok, {
    code: 0,
    stdout: "out\n",
    stderr: "err\n",
    timedOut: false,
  });
  const slow = await runToCompletion({
    command: "sleep",
    args: ["10"],
    timeoutMs: 100,
  });
  assert.equal(slow.timedOut, true);
  assert.equal(slow.code, 137);
});
