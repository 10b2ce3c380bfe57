import assert from "node:assert/strict";
import { ProcReader } from "../processes/procfs.ts";
import { spawnChild, SpawnError } from "./spawn.ts";

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
    const stat = new ProcReader().stat(child.pid);
    assert.equal(stat?.sid, child.pid, "session id is its own pid");
  } finally {
    assert.equal(child.kill("SIGKILL"), true);
    await Promise.all([child.stdout.cancel(), child.stderr.cancel()]);
    assert.deepEqual(await child.status, { code: 137, signal: "SIGKILL" });
  }
});

Deno.test("spawnChild: piped stdin reaches the child; closing it is EOF", async () => {
  const child = spawnChild({
    command: "/bin/sh",
    args: ["-c", "cat; echo done"],
    stdin: "piped",
  });
  const writer = child.stdin!.getWriter();
  await writer.write(new TextEncoder().encode("hello\n"));
  await writer.close();
  const [out] = await Promise.all([
    new Response(child.stdout).text(),
    child.stderr.cancel(),
  ]);
  assert.equal(out, "hello\ndone\n");
  assert.deepEqual(await child.status, { code: 0, signal: null });
  const closed = spawnChild({ command: "true", args: [] });
  assert.equal(closed.stdin, undefined);
  await Promise.all([closed.stdout.cancel(), closed.stderr.cancel()]);
  await closed.status;
});
