import type { ChildHandle, SpawnFn } from "../opencode/spawn.ts";
import { spawnChild } from "../opencode/spawn.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
} from "../testing/assert.ts";
import {
  GitCommandError,
  GitNotFoundError,
  GitVersionError,
} from "./git_errors.ts";
import { GitRunner, parseGitVersion } from "./git_runner.ts";
import { TempRepo, testGit } from "./test_repo.ts";

/**
 * A child that prints `stdout` and exits 0, or (with null) never exits
 * until killed and never closes its pipes.
 */
function fakeChild(stdout: string | null): ChildHandle {
  const encoded = new TextEncoder().encode(stdout ?? "");
  let resolveStatus!: (
    exit: { code: number; signal: Deno.Signal | null },
  ) => void;
  const status = new Promise<{ code: number; signal: Deno.Signal | null }>(
    (r) => resolveStatus = r,
  );
  if (stdout !== null) resolveStatus({ code: 0, signal: null });
  const child: ChildHandle = {
    pid: 1,
    status,
    stdout: new ReadableStream({
      start(c) {
        if (stdout !== null) {
          c.enqueue(encoded);
          c.close();
        }
      },
    }),
    stderr: new ReadableStream({
      start(c) {
        if (stdout !== null) c.close();
      },
    }),
    kill(signal) {
      // The pipes stay open, as when a hook git started still holds them.
      resolveStatus({ code: 137, signal });
      return true;
    },
  };
  return child;
}

Deno.test("parseGitVersion: plain and vendor versions", () => {
  assertEquals(parseGitVersion("git version 2.39.5\n"), {
    text: "2.39.5",
    major: 2,
    minor: 39,
  });
  assertEquals(
    parseGitVersion("git version 2.39.3 (Apple Git-146)")?.text,
    "2.39.3",
  );
  assertEquals(parseGitVersion("hg 6.0"), null);
});

Deno.test("GitRunner: the installed git is new enough", async () => {
  const version = await testGit().version();
  assert(version.major > 2 || version.minor >= 38, version.text);
});

Deno.test("GitRunner: a missing binary is a GitNotFoundError, for a path and for a name", async () => {
  for (const binary of ["/nonexistent/bin/git", "flock-no-such-git"]) {
    const git = new GitRunner({ binary });
    const error = await assertRejects(
      () => git.run(["status"]),
      GitNotFoundError,
    );
    assertMatch(
      error.message,
      /^Cannot run git as it is not installed or not on PATH/,
    );
    assertEquals(error.binary, binary);
  }
});

Deno.test("GitRunner: a failed check is not cached (git installed later works)", async () => {
  let calls = 0;
  const spawn: SpawnFn = (options) => {
    calls++;
    if (calls === 1) throw new Deno.errors.NotFound("no git yet");
    return spawnChild(options);
  };
  const git = testGit({ spawn });
  await assertRejects(() => git.run(["--version"]), GitNotFoundError);
  const result = await git.run(["--version"]);
  assertMatch(result.stdout, /^git version/);
});

Deno.test("GitRunner: git older than 2.38 is refused with its version", async () => {
  const git = new GitRunner({
    spawn: () => fakeChild("git version 2.37.9\n"),
  });
  const error = await assertRejects(() => git.run(["status"]), GitVersionError);
  assertMatch(error.message, /git 2\.37\.9 as Flock needs git 2\.38 or newer/);
});

Deno.test("GitRunner: a run that never ends is killed at the timeout, even if its pipes stay open", async () => {
  let n = 0;
  const git = new GitRunner({
    timeoutMs: 50,
    spawn: () => fakeChild(n++ === 0 ? "git version 2.39.5\n" : null),
  });
  const error = await assertRejects(
    () => git.run(["status"]),
    GitCommandError,
  );
  assertMatch(error.message, /took longer than 50 ms/);
});

Deno.test("GitRunner: arguments reach git verbatim (no shell), failures are GitCommandError", async () => {
  await using repo = await TempRepo.create();
  const message = 'it\'s $(touch pwned) `x` ; rm -rf / "quoted" 🦆';
  await repo.write("f.txt", "x");
  await repo.run(["add", "f.txt"]);
  await repo.run(["commit", "-q", "-m", message]);
  assertEquals(
    (await repo.run(["log", "-1", "--format=%B"])).trim(),
    message,
  );
  assertEquals(await repo.read("pwned"), null);
  const error = await assertRejects(
    () => repo.git.run(["rev-parse", "--verify", "nope"], { dir: repo.path }),
    GitCommandError,
  );
  assertEquals(error.exitCode, 128);
  assertMatch(
    error.message,
    /^Cannot run git rev-parse --verify as it exited with code 128/,
  );
});

Deno.test("GitRunner.serialize: runs with one key one after another", async () => {
  const git = testGit();
  const order: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const first = git.serialize("k", async () => {
    order.push("first start");
    await gate;
    order.push("first end");
    throw new Error("first fails");
  });
  const second = git.serialize("k", () => {
    order.push("second");
    return Promise.resolve(2);
  });
  const other = git.serialize("other", () => {
    order.push("other");
    return Promise.resolve(3);
  });
  assertEquals(await other, 3);
  release();
  await assertRejects(() => first, Error);
  assertEquals(await second, 2);
  assertEquals(order, ["first start", "other", "first end", "second"]);
});
