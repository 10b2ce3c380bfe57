/**
 * The process helper for real: `proc_helper.ts` under Bun inside the pinned
 * OpenCode binary, driven through {@linkcode ProcessHelper}.
 */
import assert from "node:assert/strict";
import { pinnedOpenCodePath } from "../opencode/opencode_binary.ts";
import { spawnChild } from "../opencode/spawn.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import { waitFor } from "../testing/procfs.ts";
import { HELPER_MARKER_ENV, ProcessHelperError } from "./helper_protocol.ts";
import { ProcessHelper } from "./process_helper.ts";
import { ProcReader } from "./procfs.ts";

const reader = new ProcReader();
/** Helpers started by this test process (others may run their own). */
const helpersAlive = () =>
  reader.withEnv(HELPER_MARKER_ENV, "1")
    .filter((p) => p.ppid === Deno.pid).length;

Deno.test("ProcessHelper: scans, inspects and kills a real tree through one helper", async () => {
  await using helper = new ProcessHelper({ binary: pinnedOpenCodePath });
  const marker = `flock-test-${crypto.randomUUID()}`;
  const child = spawnChild({
    command: "/bin/sh",
    args: ["-c", "sleep 30 & setsid sleep 31 & echo started; wait"],
    env: { FLOCK_INSTANCE_ID: marker },
  });
  const stdout = child.stdout.getReader();
  await stdout.read(); // "started"
  try {
    // Concurrent requests share one helper process.
    const [found, [self], none] = await Promise.all([
      helper.scan({
        roots: [child.pid],
        envMatch: { key: "FLOCK_INSTANCE_ID", value: marker },
        envKeys: ["FLOCK_INSTANCE_ID"],
      }),
      helper.inspect([child.pid]),
      helper.inspect([2 ** 22 + 7]),
    ]);
    assert.equal(helper.starts, 1);
    assert.equal(helpersAlive(), 1);
    const [withRss] = await helper.scan({
      roots: [child.pid],
      includeRoots: true,
      rss: true,
    });
    assert.ok(withRss && withRss.rssBytes && withRss.rssBytes > 0);
    assert.deepEqual(none, []);
    assert.equal(self?.cmdline[0], "/bin/sh");
    const sleeps = found.filter((p) => p.cmdline[0] === "sleep");
    assert.equal(sleeps.length, 2, JSON.stringify(found));
    assert.ok(found.every((p) => p.env.FLOCK_INSTANCE_ID === marker));
    assert.ok(sleeps.some((p) => p.sid === p.pid), "setsid sleep escaped");
    assert.ok(
      !found.some((p) => p.pid === Deno.pid || p.pid === helper.pid),
      "never Flock or the helper",
    );

    // A stale start time protects a process from being signalled.
    const first = sleeps[0]!;
    const stale = await helper.kill(
      [{ pid: first.pid, start: first.start + 1 }],
      "SIGKILL",
    );
    assert.deepEqual(stale.signalled, []);
    assert.ok(reader.isSame(first.pid, first.start));

    const result = await helper.kill(
      sleeps.map(({ pid, start }) => ({ pid, start })),
      "SIGTERM",
      2000,
    );
    assert.deepEqual(result.survivors, []);
    assert.deepEqual(result.signalled.sort(), sleeps.map((p) => p.pid).sort());
    for (const p of sleeps) assert.ok(!reader.isSame(p.pid, p.start));
    assert.equal(helper.starts, 1);
  } finally {
    child.kill("SIGKILL");
    await stdout.cancel();
    await child.stderr.cancel();
    await child.status;
  }
  const pid = helper.pid!;
  await helper.close();
  assert.equal(reader.stat(pid), null, "closed helper exited");
  await assert.rejects(() => helper.inspect([1]), ProcessHelperError);
});

Deno.test("ProcessHelper: a helper that dies is replaced on the next request", async () => {
  await using helper = new ProcessHelper({ binary: pinnedOpenCodePath });
  await helper.inspect([Deno.pid]);
  const first = helper.pid!;
  Deno.kill(first, "SIGKILL");
  await waitFor("the helper to be gone", () => helper.pid === null);
  const [me] = await helper.inspect([Deno.pid]);
  assert.equal(me?.pid, Deno.pid);
  assert.equal(helper.starts, 2);
  assert.notEqual(helper.pid, first);
});

Deno.test("ProcessHelper: closes after idleMs without requests", async () => {
  const clock = new FakeClock();
  await using helper = new ProcessHelper({
    binary: pinnedOpenCodePath,
    clock,
    idleMs: 12_345,
  });
  await helper.inspect([Deno.pid]);
  const pid = helper.pid!;
  await clock.untilSleeping(1);
  assert.deepEqual(clock.pending, [12_345]);
  await clock.advance(12_344);
  assert.equal(helper.pid, pid, "still there before idleMs");
  await clock.advance(1);
  assert.equal(helper.pid, null);
  await waitFor("the idle helper to exit", () => reader.stat(pid) === null);
  await helper.inspect([Deno.pid]);
  assert.equal(helper.starts, 2);
});

Deno.test("ProcessHelper: a binary that is not OpenCode gives ProcessHelperError", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const failing = `${dir}/failing`;
    await Deno.writeTextFile(failing, "#!/bin/sh\necho nope >&2\nexit 3\n");
    await Deno.chmod(failing, 0o755);
    const chatty = `${dir}/chatty`;
    await Deno.writeTextFile(
      chatty,
      "#!/bin/sh\necho 'opencode server listening on http://127.0.0.1:1'\nexec sleep 30\n",
    );
    await Deno.chmod(chatty, 0o755);
    for (
      const [binary, pattern] of [
        [failing, /exit code 3.*nope/],
        [chatty, /not JSON: opencode server listening/],
        [`${dir}/missing`, /Cannot start the process helper/],
      ] as const
    ) {
      await using helper = new ProcessHelper({ binary: () => binary });
      await assert.rejects(
        () => helper.scan({ roots: [1] }),
        (e: unknown) =>
          e instanceof ProcessHelperError && pattern.test(e.message),
      );
    }
    await using throwing = new ProcessHelper({
      binary: () => {
        throw new Error("no binary");
      },
    });
    await assert.rejects(() => throwing.inspect([1]), /no binary/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
