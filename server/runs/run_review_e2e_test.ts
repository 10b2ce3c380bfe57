/**
 * Reviewing and landing what a run did in its own worktree, over Flock's
 * HTTP API with a real OpenCode (the pinned 1.18.33), the fake model
 * playing the roles, and real git on a temp repository:
 *
 * - a worktree run's branch diff lists the developer's files (an added
 *   file, the changed README) with their status, counts and patches; its
 *   merge is refused (409 naming that it is running) while it runs; once
 *   it completed, the merge lands its work on `main` (the main checkout
 *   too), removes the worktree and the merged branch, and is recorded on
 *   the run (`run.updated`); then its diff, a second merge and a resume
 *   are refused, and its attempts' transcripts are still readable;
 * - two runs write the same file: the second merge is a 409 naming it and
 *   changes nothing; uncommitted work in a worktree is a 409 naming the
 *   file; its removal is refused without force and keeps the unmerged
 *   branch with it;
 * - a run without a worktree: 400 `no_worktree`; a bad scope: 400; an
 *   unknown run: 404.
 *
 * One Flock and one instance serve every step (OpenCode takes seconds to
 * start).
 */
import type { ApiErrorBody } from "../contract/api.ts";
import type { InstanceJson } from "../contract/instances.ts";
import type { RunJson } from "../contract/workflows.ts";
import type {
  RunDiffJson,
  RunMergeResultJson,
  WorktreeRemovalJson,
} from "../contract/worktrees.ts";
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import { startTestFlock, type TestFlock } from "../testing/flock_harness.ts";
import { EventLog, initGitRepo } from "./testing/event_log.ts";
import { DEVELOP_YAML, HELD_YAML, TWIN_YAML } from "./testing/flock_specs.ts";
import { exists } from "../testing/paths.ts";
import { gitOut } from "../git/test_repo.ts";
import { ok } from "./testing/run_http.ts";

async function refused(
  flock: TestFlock,
  method: string,
  path: string,
  status: number,
  code: string,
): Promise<ApiErrorBody["error"]> {
  const res = await flock.api<ApiErrorBody>(method, path);
  assertEquals(
    [res.status, res.body.error?.code],
    [status, code],
    `${method} ${path}: ${JSON.stringify(res.body)}`,
  );
  return res.body.error;
}

Deno.test({
  name:
    "a run's worktree is reviewed and landed from Flock, with a real OpenCode, real git and the fake model",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using flock = await startTestFlock();
    const model = flock.model!;
    const repo = await flock.workspace("project");
    await initGitRepo(repo);
    const created = await ok<InstanceJson>(flock, "POST", "/api/instances", {
      working_directory: repo,
    }, 201);
    await flock.waitForInstance(created.id, ["running"], 120_000);
    await using log = await EventLog.open(flock.url);
    for (const yaml of [DEVELOP_YAML, TWIN_YAML, HELD_YAML]) {
      await ok(flock, "POST", "/api/workflows", { yaml }, 201);
    }
    const start = async (workflow: string, task: string, worktree = true) =>
      await ok<RunJson>(flock, "POST", "/api/runs", {
        workflow,
        instance_id: created.id,
        task,
        worktree,
      }, 201);
    const ended = (id: string) =>
      log.untilRun(id, ["completed", "failed", "blocked", "cancelled"]);

    await t.step(
      "a completed run's branch diff lists the developer's files; its merge, refused while it ran, lands them on main and removes the worktree and branch",
      async () => {
        const held = model.hold(/Document the greeting/);
        const run = await start("develop", "say hello");
        const { path, branch } = run.worktree!;
        await held.reached;
        // Running: the first attempt's work is on the branch already.
        const early = await ok<RunDiffJson>(
          flock,
          "GET",
          `/api/runs/${run.id}/diff`,
        );
        assertEquals(early.files.map((f) => f.file), ["src/greeting.txt"]);
        const active = await refused(
          flock,
          "POST",
          `/api/runs/${run.id}/merge`,
          409,
          "run_active",
        );
        assertMatch(
          active.message,
          new RegExp(
            `^Cannot merge its branch as run #${run.run_number} \\(${run.id}\\) is still running`,
          ),
        );
        held.release();
        assertEquals((await ended(run.id)).status, "completed");

        const diff = await ok<RunDiffJson>(
          flock,
          "GET",
          `/api/runs/${run.id}/diff?scope=branch`,
        );
        assertEquals(
          [diff.run_id, diff.scope, diff.base, diff.directory],
          [run.id, "branch", "main", path],
        );
        assertEquals(
          diff.files.map((f) => [f.file, f.status, f.additions, f.deletions]),
          [
            ["README.md", "modified", 1, 1],
            ["src/greeting.txt", "added", 1, 0],
          ],
        );
        const greeting = diff.files.find((f) => f.file === "src/greeting.txt")!;
        assertMatch(greeting.patch, /^diff --git a\/src\/greeting.txt/);
        assertMatch(greeting.patch, /\n\+hello from the developer\n/);
        // Flock committed every attempt's work: nothing is uncommitted.
        const working = await ok<RunDiffJson>(
          flock,
          "GET",
          `/api/runs/${run.id}/diff?scope=working`,
        );
        assertEquals([working.base, working.files], [null, []]);
        const tip = (await gitOut(repo, "rev-parse", branch)).trim();

        const merged = await ok<RunMergeResultJson>(
          flock,
          "POST",
          `/api/runs/${run.id}/merge`,
        );
        assertEquals(
          [merged.run_id, merged.kind, merged.branch, merged.base],
          [run.id, "fast-forward", branch, "main"],
        );
        assertEquals(merged.commit, tip);
        assertEquals(merged.updated_checkout, await Deno.realPath(repo));
        assertEquals(merged.removed, {
          path,
          branch,
          branch_deleted: true,
        });
        // The work is on main, and in the main checkout, which stays clean.
        assertEquals((await gitOut(repo, "rev-parse", "main")).trim(), tip);
        assertEquals(
          await gitOut(repo, "show", "main:src/greeting.txt"),
          "hello from the developer\n",
        );
        assertEquals(
          await Deno.readTextFile(`${repo}/README.md`),
          "# A project that greets\n",
        );
        assertEquals(await gitOut(repo, "status", "--porcelain"), "");
        assertMatch(
          await gitOut(repo, "log", "--format=%s", "-3", "main"),
          /^Run #\d+ of develop: document/,
        );
        // The worktree and the merged branch are gone.
        assertEquals(await exists(path), false);
        assert(
          !(await gitOut(repo, "worktree", "list", "--porcelain")).includes(
            path,
          ),
        );
        assertEquals(await gitOut(repo, "branch", "--list", branch), "");
        // The run says so, on its JSON and on the event stream.
        const after = await ok<RunJson>(flock, "GET", `/api/runs/${run.id}`);
        assertEquals(after.worktree!.merged?.commit, tip);
        assertEquals(after.worktree!.removed?.branch_deleted, true);
        await log.wait((e) =>
          e.type === "run.updated" && e.properties.run.id === run.id &&
            e.properties.run.worktree?.removed !== null
            ? true
            : undefined
        );
        // What is done is done.
        for (const [method, path] of [["GET", "diff"], ["POST", "merge"]]) {
          const error = await refused(
            flock,
            method!,
            `/api/runs/${run.id}/${path}`,
            409,
            "worktree_removed",
          );
          assertMatch(error.message, /was removed after its branch was merged/);
        }
        await refused(
          flock,
          "POST",
          `/api/runs/${run.id}/steps/implement/retry`,
          409,
          "action_refused",
        );
        // The attempts' transcripts stay readable.
        for (const attempt of after.attempts) {
          const messages = await ok<unknown[]>(
            flock,
            "GET",
            `/api/sessions/${attempt.session_id}/messages`,
          );
          assert(messages.length > 0, attempt.id);
        }
      },
    );

    await t.step(
      "two runs wrote the same file: the second merge is a 409 naming it and changes nothing; uncommitted work is a 409 naming it; removal keeps an unmerged branch",
      async () => {
        const alpha = await start("twin", "alpha");
        const beta = await start("twin", "beta");
        for (const run of [alpha, beta]) {
          assertEquals((await ended(run.id)).status, "completed");
        }
        await ok(flock, "POST", `/api/runs/${alpha.id}/merge`);
        const main = (await gitOut(repo, "rev-parse", "main")).trim();
        const betaTip = (await gitOut(repo, "rev-parse", beta.worktree!.branch))
          .trim();
        const conflict = await refused(
          flock,
          "POST",
          `/api/runs/${beta.id}/merge`,
          409,
          "merge_conflict",
        );
        assertEquals(conflict.files, ["shared.txt"]);
        assertMatch(conflict.message, /conflict in shared\.txt/);
        // Nothing moved: both branches, the checkout, the worktree.
        assertEquals((await gitOut(repo, "rev-parse", "main")).trim(), main);
        assertEquals(
          (await gitOut(repo, "rev-parse", beta.worktree!.branch)).trim(),
          betaTip,
        );
        assertEquals(await gitOut(repo, "status", "--porcelain"), "");
        assertEquals(await Deno.readTextFile(`${repo}/shared.txt`), "alpha\n");
        assertEquals(
          await Deno.readTextFile(`${beta.worktree!.path}/shared.txt`),
          "beta\n",
        );
        const shown = await ok<RunJson>(flock, "GET", `/api/runs/${beta.id}`);
        assertEquals(shown.worktree!.merged, null);

        // Uncommitted work in the worktree is named, in either scope.
        await Deno.writeTextFile(`${beta.worktree!.path}/notes.txt`, "mine\n");
        const dirty = await refused(
          flock,
          "POST",
          `/api/runs/${beta.id}/merge`,
          409,
          "uncommitted_changes",
        );
        assertEquals(dirty.files, ["notes.txt"]);
        const working = await ok<RunDiffJson>(
          flock,
          "GET",
          `/api/runs/${beta.id}/diff?scope=working`,
        );
        assertEquals(working.files.map((f) => [f.file, f.status]), [[
          "notes.txt",
          "added",
        ]]);
        // Removal: refused with work to lose, forced keeps the branch.
        await refused(
          flock,
          "DELETE",
          `/api/runs/${beta.id}/worktree`,
          409,
          "uncommitted_changes",
        );
        const removal = await ok<WorktreeRemovalJson>(
          flock,
          "DELETE",
          `/api/runs/${beta.id}/worktree?force=true`,
        );
        assertEquals(removal, {
          path: beta.worktree!.path,
          branch: beta.worktree!.branch,
          branch_deleted: false,
        });
        assertEquals(await exists(beta.worktree!.path), false);
        assertEquals(
          (await gitOut(repo, "rev-parse", beta.worktree!.branch)).trim(),
          betaTip,
        );
        const gone = await ok<RunJson>(flock, "GET", `/api/runs/${beta.id}`);
        assertEquals(gone.worktree!.merged, null);
        assertEquals(gone.worktree!.removed?.branch_deleted, false);
        await refused(
          flock,
          "DELETE",
          `/api/runs/${beta.id}/worktree`,
          409,
          "worktree_removed",
        );
      },
    );

    await t.step(
      "a run without a worktree is a 400; a bad scope is a 400; an unknown run a 404",
      async () => {
        const run = await start("held", "in place", false);
        assertEquals((await ended(run.id)).status, "completed");
        for (
          const [method, path] of [
            ["GET", "diff"],
            ["POST", "merge"],
            ["DELETE", "worktree"],
          ] as const
        ) {
          const error = await refused(
            flock,
            method,
            `/api/runs/${run.id}/${path}`,
            400,
            "no_worktree",
          );
          assertMatch(error.message, /as it has no worktree of its own/);
        }
        await refused(
          flock,
          "GET",
          `/api/runs/${run.id}/diff?scope=everything`,
          400,
          "invalid_query",
        );
        await refused(
          flock,
          "POST",
          `/api/runs/run_nope/merge`,
          404,
          "not_found",
        );
        await refused(
          flock,
          "GET",
          `/api/runs/run_nope/diff`,
          404,
          "not_found",
        );
      },
    );
  },
});
