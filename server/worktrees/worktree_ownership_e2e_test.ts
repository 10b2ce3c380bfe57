/**
 * Who owns a worktree, end to end: a real Flock over HTTP, a real OpenCode
 * driven by the fake model, real git repositories in temp dirs.
 *
 * - A fork runs in its original's worktree but does not own it: deleting
 *   the fork (even forced) leaves the worktree, its branch and its
 *   uncommitted files alone; deleting the owner while a fork still runs
 *   there hands the worktree to the fork.
 * - Deleting an instance removes its sessions' worktrees: 409 naming the
 *   ones with work to lose (nothing changed), `?force=true` removes them
 *   (keeping unmerged branches), clean ones go with their branches.
 *
 * Two instances (two OpenCode children), each shared by the steps that use
 * it; the steps run in order.
 */
import type { ApiErrorBody } from "../contract/api.ts";
import type { InstanceJson } from "../contract/instances.ts";
import type { SessionJson } from "../contract/sessions.ts";
import type {
  CommitResultJson,
  MergeResultJson,
  SessionDiffJson,
} from "../contract/worktrees.ts";
import { TempRepo } from "../git/test_repo.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { startTestFlock, type TestFlock } from "../testing/flock_harness.ts";
import {
  createdSession,
  promptAndWait,
  readOrNull,
} from "./worktree_test_helpers.ts";
import { exists } from "../testing/paths.ts";

type Err = ApiErrorBody;

async function startInstance(
  flock: TestFlock,
  repo: TempRepo,
): Promise<InstanceJson> {
  const res = await flock.api<InstanceJson>("POST", "/api/instances", {
    working_directory: repo.path,
  });
  assertEquals(res.status, 201, JSON.stringify(res.body));
  return await flock.waitForInstance(res.body.id, ["running"]);
}

/** The paths `git worktree list` gives, the main checkout first. */
async function worktreePaths(repo: TempRepo): Promise<string[]> {
  const list = await repo.run(["worktree", "list", "--porcelain"]);
  return list.split("\n").flatMap((line) =>
    line.startsWith("worktree ") ? [line.slice("worktree ".length)] : []
  );
}

async function branches(repo: TempRepo): Promise<string[]> {
  const out = await repo.run(["branch", "--format=%(refname:short)"]);
  return out.split("\n").filter((b) => b !== "").sort();
}

async function commitAll(
  flock: TestFlock,
  session: SessionJson,
  message = "work",
) {
  const res = await flock.api<CommitResultJson>(
    "POST",
    `/api/sessions/${session.id}/commit`,
    { message },
  );
  assertEquals(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function fork(flock: TestFlock, session: SessionJson) {
  const res = await flock.api<SessionJson>(
    "POST",
    `/api/sessions/${session.id}/fork`,
    {},
  );
  assertEquals(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

Deno.test({
  name:
    "worktree ownership: forks, the owner's deletion, and an instance's deletion",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using repo = await TempRepo.create({ "README.md": "hello\n" });
    await using clean = await TempRepo.create({ "README.md": "clean\n" });
    await using flock = await startTestFlock();
    // One after the other: two OpenCodes first started at once in one
    // environment race to create their shared database.
    const instance = await startInstance(flock, repo);
    const cleanInstance = await startInstance(flock, clean);
    const mainHead = await repo.rev("main");

    await t.step(
      "force-deleting a fork leaves the original's worktree, branch and uncommitted file",
      async () => {
        const owner = await createdSession(flock, instance, {
          title: "Owner",
          worktree: { branch: "owned" },
        });
        await repo.write("draft.txt", "mine\n", owner.directory);
        const forked = await fork(flock, owner);
        assertEquals(forked.directory, owner.directory);
        assertEquals(forked.branch, null);

        const deleted = await flock.api(
          "DELETE",
          `/api/sessions/${forked.id}?force=true`,
        );
        assertEquals(deleted.status, 204);
        assertEquals(
          (await flock.api("GET", `/api/sessions/${forked.id}`)).status,
          404,
        );
        assertEquals(
          await readOrNull(`${owner.directory}/draft.txt`),
          "mine\n",
        );
        assert((await worktreePaths(repo)).includes(owner.directory!));
        assert((await branches(repo)).includes("owned"));
        const got = await flock.api<SessionJson>(
          "GET",
          `/api/sessions/${owner.id}`,
        );
        assertEquals([got.body.branch, got.body.base], ["owned", "main"]);
        const diff = await flock.api<SessionDiffJson>(
          "GET",
          `/api/sessions/${owner.id}/diff`,
        );
        assertEquals(diff.status, 200, JSON.stringify(diff.body));
        assertEquals(
          diff.body.files.map((f) => [f.file, f.status]),
          [["draft.txt", "added"]],
        );
        // The original's agent still works there.
        await promptAndWait(
          flock,
          owner,
          "WRITE> notes.txt by the owner\nREPLY> done owner",
          "done owner",
        );
        assertEquals(
          await readOrNull(`${owner.directory}/notes.txt`),
          "by the owner\n",
        );
        assertEquals(await readOrNull(`${repo.path}/notes.txt`), null);

        // Deleting the owner while a fork runs there hands it the worktree.
        const heir = await fork(flock, owner);
        const handed = await flock.api(
          "DELETE",
          `/api/sessions/${owner.id}`,
        );
        assertEquals(handed.status, 204);
        assertEquals(
          (await flock.api("GET", `/api/sessions/${owner.id}`)).status,
          404,
        );
        assertEquals(
          await readOrNull(`${owner.directory}/draft.txt`),
          "mine\n",
        );
        assert((await worktreePaths(repo)).includes(owner.directory!));
        const inherited = await flock.api<SessionJson>(
          "GET",
          `/api/sessions/${heir.id}`,
        );
        assertEquals(
          [inherited.body.branch, inherited.body.base],
          ["owned", "main"],
        );
        const branchDiff = await flock.api<SessionDiffJson>(
          "GET",
          `/api/sessions/${heir.id}/diff?scope=branch`,
        );
        assertEquals(branchDiff.status, 200, JSON.stringify(branchDiff.body));
        assertEquals(
          branchDiff.body.files.map((f) => f.file),
          ["draft.txt", "notes.txt"],
        );

        // The last session in it: the usual rules, then it goes.
        await commitAll(flock, heir, "owner's work");
        const unmerged = await flock.api<Err>(
          "DELETE",
          `/api/sessions/${heir.id}`,
        );
        assertEquals([unmerged.status, unmerged.body.error.code], [
          409,
          "unmerged_work",
        ]);
        const merged = await flock.api<MergeResultJson>(
          "POST",
          `/api/sessions/${heir.id}/merge`,
        );
        assertEquals(merged.status, 200, JSON.stringify(merged.body));
        const removed = await flock.api("DELETE", `/api/sessions/${heir.id}`);
        assertEquals(removed.status, 204);
        assertEquals(await exists(owner.directory!), false);
        assertEquals(await worktreePaths(repo), [repo.path]);
        assertEquals(await branches(repo), ["main"]);
        assertEquals(await readOrNull(`${repo.path}/draft.txt`), "mine\n");
      },
    );

    await t.step(
      "deleting an instance with work in its worktrees: 409 naming them, then force",
      async () => {
        const mainBefore = await repo.rev("main");
        const tidy = await createdSession(flock, instance, {
          worktree: { branch: "tidy" },
        });
        const dirty = await createdSession(flock, instance, {
          worktree: { branch: "dirty" },
        });
        await repo.write("wip.txt", "half done\n", dirty.directory);
        const ahead = await createdSession(flock, instance, {
          worktree: { branch: "ahead" },
        });
        await repo.write("done.txt", "finished\n", ahead.directory);
        await commitAll(flock, ahead);

        const refused = await flock.api<Err>(
          "DELETE",
          `/api/instances/${instance.id}`,
        );
        assertEquals(
          [refused.status, refused.body.error.code],
          [409, "worktrees_have_work"],
          JSON.stringify(refused.body),
        );
        assertEquals(refused.body.error.worktrees, [
          {
            session_id: dirty.id,
            branch: "dirty",
            base: "main",
            path: dirty.directory!,
            files: ["wip.txt"],
            unmerged_commits: 0,
          },
          {
            session_id: ahead.id,
            branch: "ahead",
            base: "main",
            path: ahead.directory!,
            files: [],
            unmerged_commits: 1,
          },
        ]);
        const message = refused.body.error.message;
        for (const named of [dirty.id, "dirty", "wip.txt", ahead.id, "ahead"]) {
          assert(message.includes(named), message);
        }
        assert(!message.includes(tidy.id), message);
        // Nothing changed: the instance runs, every worktree and branch is there.
        const still = await flock.api<InstanceJson>(
          "GET",
          `/api/instances/${instance.id}`,
        );
        assertEquals(still.body.status, "running");
        assertEquals(
          (await worktreePaths(repo)).slice(1).sort(),
          [tidy.directory!, dirty.directory!, ahead.directory!].sort(),
        );
        assertEquals(
          await readOrNull(`${dirty.directory}/wip.txt`),
          "half done\n",
        );

        const badForce = await flock.api<Err>(
          "DELETE",
          `/api/instances/${instance.id}?force=yes`,
        );
        assertEquals([badForce.status, badForce.body.error.code], [
          400,
          "invalid_query",
        ]);

        const forced = await flock.api(
          "DELETE",
          `/api/instances/${instance.id}?force=true`,
        );
        assertEquals(forced.status, 204);
        assertEquals(
          (await flock.api("GET", `/api/instances/${instance.id}`)).status,
          404,
        );
        assertEquals(await worktreePaths(repo), [repo.path]);
        for (const s of [tidy, dirty, ahead]) {
          assertEquals(await exists(s.directory!), false, s.directory);
        }
        assertEquals(
          await exists(`${flock.dataDir}/worktrees/${instance.id}`),
          false,
        );
        // Merged (or empty) branches went; the unmerged one is kept.
        assertEquals(await branches(repo), ["ahead", "main"]);
        assertEquals(await repo.rev("main"), mainBefore);
        assert(mainBefore !== mainHead, "the first step merged into main");
        assertEquals(await repo.statusText(), "");
      },
    );

    await t.step(
      "deleting an instance whose worktrees are clean removes them and their branches",
      async () => {
        const untouched = await createdSession(flock, cleanInstance, {
          worktree: true,
        });
        const finished = await createdSession(flock, cleanInstance, {
          worktree: { branch: "finished" },
        });
        await clean.write("feature.txt", "shipped\n", finished.directory);
        await commitAll(flock, finished);
        const merged = await flock.api<MergeResultJson>(
          "POST",
          `/api/sessions/${finished.id}/merge`,
        );
        assertEquals(merged.status, 200, JSON.stringify(merged.body));
        assertEquals((await branches(clean)).length, 3);

        const deleted = await flock.api(
          "DELETE",
          `/api/instances/${cleanInstance.id}`,
        );
        assertEquals(deleted.status, 204);
        assertEquals(await worktreePaths(clean), [clean.path]);
        assertEquals(await branches(clean), ["main"]);
        for (const s of [untouched, finished]) {
          assertEquals(await exists(s.directory!), false, s.directory);
        }
        assertEquals(
          await exists(`${flock.dataDir}/worktrees/${cleanInstance.id}`),
          false,
        );
        assertEquals(
          await readOrNull(`${clean.path}/feature.txt`),
          "shipped\n",
        );
        assertEquals(await clean.statusText(), "");
      },
    );
  },
});
