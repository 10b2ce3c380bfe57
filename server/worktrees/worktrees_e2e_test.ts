/**
 * Sessions in worktrees of their own, end to end: a real Flock over HTTP,
 * a real OpenCode driven by the fake model (its `WRITE>` cue writes files
 * through OpenCode's write tool), a real git repository in a temp dir.
 * One Flock, one instance on the repository; the steps run in order.
 */
import type { ApiErrorBody } from "../contract/api.ts";
import type { InstanceJson } from "../contract/instances.ts";
import type { OpenCodeMessageWithParts } from "../contract/opencode.ts";
import type { SessionJson } from "../contract/sessions.ts";
import type {
  CommitResultJson,
  MergeResultJson,
  SessionDiffJson,
} from "../contract/worktrees.ts";
import { TempRepo } from "../git/test_repo.ts";
import { assert, assertEquals } from "../testing/assert.ts";
import { startTestFlock } from "../testing/flock_harness.ts";
import {
  createdSession as created,
  promptAndWait as prompt,
  readOrNull as read,
  replyOf,
  sessionMessages as messages,
} from "./worktree_test_helpers.ts";

type Err = ApiErrorBody;

Deno.test({
  name: "worktree sessions end to end with real git and a real OpenCode",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using repo = await TempRepo.create({
      "README.md": "hello\n",
      "src/app.txt": "one\ntwo\nthree\n",
    });
    await using flock = await startTestFlock();
    const res = await flock.api<InstanceJson>("POST", "/api/instances", {
      working_directory: repo.path,
    });
    assertEquals(res.status, 201, JSON.stringify(res.body));
    const instance = await flock.waitForInstance(res.body.id, ["running"]);
    const mainHead = (await repo.run(["rev-parse", "main"])).trim();
    let ordinary: SessionJson | undefined;

    await t.step("bad input is a JSON 4xx naming the problem", async () => {
      const cases: [unknown, number, string][] = [
        [{ worktree: { branch: "bad..name" } }, 400, "invalid_branch_name"],
        [{ worktree: { branch: "-x" } }, 400, "invalid_branch_name"],
        [{ worktree: { branch: "ok-1", base: "nope" } }, 400, "unknown_ref"],
        [{ worktree: "yes" }, 400, "invalid_field"],
        [{ worktree: { base: "main" } }, 400, "missing_field"],
        [{ worktree: true, other: 1 }, 400, "unknown_field"],
        [{ worktree: { branch: "main" } }, 409, "branch_exists"],
      ];
      for (const [body, status, code] of cases) {
        const bad = await flock.api<Err>(
          "POST",
          `/api/instances/${instance.id}/sessions`,
          body,
        );
        assertEquals(
          [bad.status, bad.body.error.code],
          [status, code],
          JSON.stringify(body),
        );
      }
      // Nothing was left behind by the refused ones.
      const branches = await repo.run(["branch", "--format=%(refname:short)"]);
      assertEquals(branches.trim(), "main");
      const plain = await flock.createInstance("plain");
      const notGit = await flock.api<Err>(
        "POST",
        `/api/instances/${plain.id}/sessions`,
        { worktree: true },
      );
      assertEquals(
        [notGit.status, notGit.body.error.code],
        [400, "not_a_git_repository"],
      );
      const plain1 = await created(flock, instance, { title: "no tree" });
      ordinary = plain1;
      assertEquals(plain1.branch, null);
      assertEquals(plain1.directory, repo.path);
      for (const path of ["merge", "commit"]) {
        const noTree = await flock.api<Err>(
          "POST",
          `/api/sessions/${plain1.id}/${path}`,
          path === "commit" ? { message: "x" } : undefined,
        );
        assertEquals(
          [noTree.status, noTree.body.error.code],
          [400, "no_worktree"],
        );
      }
      const scope = await flock.api<Err>(
        "GET",
        `/api/sessions/${plain1.id}/diff?scope=branch`,
      );
      assertEquals([scope.status, scope.body.error.code], [400, "no_worktree"]);
      const badScope = await flock.api<Err>(
        "GET",
        `/api/sessions/${plain1.id}/diff?scope=all`,
      );
      assertEquals(badScope.status, 400);
    });

    const a = await created(flock, instance, {
      title: "Session A",
      worktree: { branch: "task-a" },
    });
    const b = await created(flock, instance, {
      title: "Session B",
      worktree: true,
    });

    await t.step(
      "each session runs in its own worktree under the data dir",
      async () => {
        assertEquals([a.branch, a.base], ["task-a", "main"]);
        assert(b.branch?.startsWith("flock/session-b-"), String(b.branch));
        assertEquals(b.base, "main");
        for (const s of [a, b]) {
          assert(
            s.directory?.startsWith(
              `${flock.dataDir}/worktrees/${instance.id}/`,
            ),
            String(s.directory),
          );
          const got = await flock.api<SessionJson>(
            "GET",
            `/api/sessions/${s.id}`,
          );
          assertEquals(got.body.directory, s.directory);
          assertEquals(got.body.branch, s.branch);
        }
        const listed = await flock.api<SessionJson[]>(
          "GET",
          `/api/instances/${instance.id}/sessions`,
        );
        assertEquals(
          listed.body.find((s) => s.id === a.id)?.branch,
          "task-a",
        );
        const worktrees = await repo.run(["worktree", "list", "--porcelain"]);
        assert(worktrees.includes(`worktree ${a.directory}\n`), worktrees);
        assert(worktrees.includes(`worktree ${b.directory}\n`), worktrees);
      },
    );

    let aTurn: OpenCodeMessageWithParts[] = [];
    await t.step(
      "two sessions edit the same file at once; each sees its own",
      async () => {
        await using sse = await flock.readSse(`/api/sessions/${a.id}/events`);
        [aTurn] = await Promise.all([
          prompt(
            flock,
            a,
            "WRITE> README.md from session A\nREPLY> done A",
            "done A",
          ),
          prompt(
            flock,
            b,
            "WRITE> README.md from session B\nREPLY> done B",
            "done B",
          ),
        ]);
        assertEquals(
          await read(`${a.directory}/README.md`),
          "from session A\n",
        );
        assertEquals(
          await read(`${b.directory}/README.md`),
          "from session B\n",
        );
        assertEquals(await read(`${repo.path}/README.md`), "hello\n");
        assertEquals((await repo.run(["status", "--porcelain"])).trim(), "");
        // Live: the worktree's events (read from /global/event) make Flock
        // tell the page to read the diff again.
        const events = await sse.reader.until(
          (e) => e.event === "session.changes",
          60_000,
        );
        assert(events.length > 0);
        const diff = await flock.api<SessionDiffJson>(
          "GET",
          `/api/sessions/${a.id}/diff`,
        );
        assertEquals(diff.status, 200);
        assertEquals(
          diff.body.files.map((
            f,
          ) => [f.file, f.status, f.additions, f.deletions]),
          [["README.md", "modified", 1, 1]],
        );
        assert(diff.body.files[0]!.patch.includes("+from session A"));
      },
    );

    await t.step(
      "revert and unrevert restore the file contents exactly",
      async () => {
        const user = aTurn.findLast((m) => m.info.role === "user");
        assert(user, "the prompt's message");
        const reverted = await flock.api<SessionJson>(
          "POST",
          `/api/sessions/${a.id}/revert`,
          { message_id: user.info.id },
        );
        assertEquals(reverted.status, 200, JSON.stringify(reverted.body));
        assertEquals(await read(`${a.directory}/README.md`), "hello\n");
        const clean = await flock.api<SessionDiffJson>(
          "GET",
          `/api/sessions/${a.id}/diff`,
        );
        assertEquals(clean.body.files, []);
        const back = await flock.api<SessionJson>(
          "POST",
          `/api/sessions/${a.id}/unrevert`,
        );
        assertEquals(back.status, 200, JSON.stringify(back.body));
        assertEquals(
          await read(`${a.directory}/README.md`),
          "from session A\n",
        );
        const badId = await flock.api<Err>(
          "POST",
          `/api/sessions/${a.id}/revert`,
          { message_id: "nope" },
        );
        assertEquals(badId.status, 400);
      },
    );

    let forkOfA: SessionJson | undefined;
    await t.step("fork and comment", async () => {
      const fork = await flock.api<SessionJson>(
        "POST",
        `/api/sessions/${a.id}/fork`,
        {},
      );
      assertEquals(fork.status, 201, JSON.stringify(fork.body));
      assertEquals(fork.body.directory, a.directory);
      assertEquals(fork.body.branch, null);
      forkOfA = fork.body;
      const comment = await flock.api<SessionJson>(
        "POST",
        `/api/sessions/${a.id}/comments`,
        {
          file: "README.md",
          line: 1,
          quote: "from session A",
          comment: "Say hello instead.\nREPLY> noted",
        },
      );
      assertEquals(comment.status, 202, JSON.stringify(comment.body));
      const deadline = Date.now() + 60_000;
      let seen = "";
      while (Date.now() < deadline && seen !== "noted") {
        const last = (await messages(flock, a)).at(-1);
        seen = last?.info.role === "assistant" ? replyOf(last) : "";
        await new Promise((r) => setTimeout(r, 200));
      }
      assertEquals(seen, "noted");
      const request = flock.model?.requests.findLast((r) =>
        r.userText.includes("Say hello instead.")
      );
      assert(
        request?.userText.includes(
          "Comment on README.md line 1:\n\n> from session A\n\nSay hello instead.",
        ),
        request?.userText,
      );
    });

    await t.step(
      "merge: uncommitted 409, commit all, fast-forward",
      async () => {
        const dirty = await flock.api<Err>(
          "POST",
          `/api/sessions/${a.id}/merge`,
        );
        assertEquals(
          [dirty.status, dirty.body.error.code, dirty.body.error.files],
          [409, "uncommitted_changes", ["README.md"]],
        );
        const commit = await flock.api<CommitResultJson>(
          "POST",
          `/api/sessions/${a.id}/commit`,
          { message: "A's change" },
        );
        assertEquals(commit.status, 200, JSON.stringify(commit.body));
        assertEquals(commit.body.files, ["README.md"]);
        const again = await flock.api<Err>(
          "POST",
          `/api/sessions/${a.id}/commit`,
          { message: "again" },
        );
        assertEquals([again.status, again.body.error.code], [
          409,
          "nothing_to_commit",
        ]);
        const branchDiff = await flock.api<SessionDiffJson>(
          "GET",
          `/api/sessions/${a.id}/diff?scope=branch`,
        );
        assertEquals(branchDiff.body.base, "main");
        assertEquals(branchDiff.body.files.map((f) => f.file), ["README.md"]);
        const merged = await flock.api<MergeResultJson>(
          "POST",
          `/api/sessions/${a.id}/merge`,
        );
        assertEquals(merged.status, 200, JSON.stringify(merged.body));
        assertEquals(merged.body.kind, "fast-forward");
        assertEquals(merged.body.previous, mainHead);
        assertEquals(merged.body.commit, commit.body.commit);
        // The user's clean checkout of main moved along.
        assertEquals(await read(`${repo.path}/README.md`), "from session A\n");
      },
    );

    await t.step(
      "a conflicting merge is 409 with the files; nothing moves",
      async () => {
        const commit = await flock.api<CommitResultJson>(
          "POST",
          `/api/sessions/${b.id}/commit`,
          { message: "B's change" },
        );
        assertEquals(commit.status, 200, JSON.stringify(commit.body));
        const before = await repo.run([
          "rev-parse",
          "main",
          b.branch!,
        ]);
        const conflict = await flock.api<Err>(
          "POST",
          `/api/sessions/${b.id}/merge`,
        );
        assertEquals(
          [
            conflict.status,
            conflict.body.error.code,
            conflict.body.error.files,
          ],
          [409, "merge_conflict", ["README.md"]],
        );
        assertEquals(await repo.run(["rev-parse", "main", b.branch!]), before);
        assertEquals(await read(`${repo.path}/README.md`), "from session A\n");
        assertEquals(
          await read(`${b.directory}/README.md`),
          "from session B\n",
        );
      },
    );

    await t.step(
      "deleting: unmerged work 409, then force; merged removes the branch",
      async () => {
        const refused = await flock.api<Err>("DELETE", `/api/sessions/${b.id}`);
        assertEquals([refused.status, refused.body.error.code], [
          409,
          "unmerged_work",
        ]);
        assert(await read(`${b.directory}/README.md`) !== null);
        const badForce = await flock.api<Err>(
          "DELETE",
          `/api/sessions/${b.id}?force=maybe`,
        );
        assertEquals(badForce.status, 400);
        const forced = await flock.api(
          "DELETE",
          `/api/sessions/${b.id}?force=true`,
        );
        assertEquals(forced.status, 204);
        assertEquals(await read(`${b.directory}/README.md`), null);
        const list = await repo.run(["worktree", "list", "--porcelain"]);
        assert(!list.includes(b.directory!), list);
        // Forced removal keeps the unmerged branch: nothing committed is lost.
        assert(
          (await repo.run(["branch", "--list", b.branch!])).includes(b.branch!),
        );
        const gone = await flock.api<Err>("GET", `/api/sessions/${b.id}`);
        assertEquals(gone.status, 404);

        // A's fork runs in A's worktree: deleting it leaves the worktree;
        // then A is the last session there and its deletion removes it.
        assert(forkOfA);
        const forkGone = await flock.api(
          "DELETE",
          `/api/sessions/${forkOfA.id}`,
        );
        assertEquals(forkGone.status, 204);
        assertEquals(
          await read(`${a.directory}/README.md`),
          "from session A\n",
        );
        const removed = await flock.api("DELETE", `/api/sessions/${a.id}`);
        assertEquals(removed.status, 204);
        assertEquals(await read(`${a.directory}/README.md`), null);
        assertEquals(
          (await repo.run(["branch", "--list", "task-a"])).trim(),
          "",
        );
        assertEquals(await read(`${repo.path}/README.md`), "from session A\n");
      },
    );

    await t.step(
      "an agent's edit reaches the session's stream live as session.changes",
      async () => {
        assert(ordinary);
        await using sse = await flock.readSse(
          `/api/sessions/${ordinary.id}/events`,
        );
        await prompt(
          flock,
          ordinary,
          "WRITE> notes.txt live\nREPLY> done O",
          "done O",
        );
        const events = await sse.reader.until(
          (e) => e.event === "session.changes",
          60_000,
        );
        const change = JSON.parse(events.at(-1)!.data) as {
          properties: { sessionID: string; reason: string };
        };
        assertEquals(change.properties.sessionID, ordinary.id);
        const diff = await flock.api<SessionDiffJson>(
          "GET",
          `/api/sessions/${ordinary.id}/diff`,
        );
        assertEquals(
          diff.body.files.map((f) => [f.file, f.status, f.additions]),
          [["notes.txt", "added", 1]],
        );
      },
    );
  },
});
