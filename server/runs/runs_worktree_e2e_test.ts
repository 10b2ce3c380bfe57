/**
 * Runs in worktrees of their own (`POST /api/runs` with `"worktree": true`),
 * over Flock's HTTP API, with a real OpenCode (the pinned 1.18.33), the
 * fake model playing the roles, and real git on a temp repository:
 *
 * - a feature run completes in its worktree: every attempt's session works
 *   there (the session's directory), the developer's files land there and
 *   not in the instance's checkout (which stays clean), and the run's
 *   branch holds every change, one commit per attempt's work; the
 *   worktree and branch stay after the run;
 * - two runs on the same instance write the same file at the same time:
 *   each worktree and branch has its own content, the checkout none;
 * - a worktree removed under an active run: the next attempt gives its
 *   step up at once, the run is blocked with a reason that says how to
 *   restore it; restored that way and retried, the run completes;
 * - a directory outside git: 400 naming `worktree` (no OpenCode needed).
 *
 * One Flock and one instance serve the first three (OpenCode takes seconds
 * to start).
 */
import type { InstanceJson } from "../contract/instances.ts";
import type { SessionJson } from "../contract/sessions.ts";
import type { RunJson } from "../contract/workflows.ts";
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import { startTestFlock } from "../testing/flock_harness.ts";
import { EventLog, initGitRepo } from "./testing/event_log.ts";
import {
  HELD_YAML,
  TWIN_YAML,
  TWO_PART_YAML,
  writeFeatureWorkflow,
} from "./testing/flock_specs.ts";
import {
  attemptLines,
  FEATURE_ATTEMPTS,
} from "../workflows/testing/attempt_lines.ts";
import { exists } from "../testing/paths.ts";
import { gitOut } from "../git/test_repo.ts";
import { ok } from "./testing/run_http.ts";

Deno.test({
  name:
    "runs in worktrees of their own, with a real OpenCode, real git and the fake model",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using flock = await startTestFlock();
    const model = flock.model!;
    const repo = await flock.workspace("project");
    await initGitRepo(repo);
    const main = (await gitOut(repo, "rev-parse", "HEAD")).trim();
    const created = await ok<InstanceJson>(flock, "POST", "/api/instances", {
      working_directory: repo,
    }, 201);
    await flock.waitForInstance(created.id, ["running"], 120_000);
    await using log = await EventLog.open(flock.url);
    const start = async (workflow: string, task: string) =>
      await ok<RunJson>(flock, "POST", "/api/runs", {
        workflow,
        instance_id: created.id,
        task,
        worktree: true,
      }, 201);
    const root = await Deno.makeTempDir({ prefix: "flock-wf-" });
    const worktreeRoot = `${await Deno.realPath(
      flock.dataDir,
    )}/worktrees/${created.id}`;

    try {
      await t.step(
        "a feature run completes in its worktree; the checkout stays clean and the branch holds the work",
        async () => {
          const dir = await writeFeatureWorkflow(root);
          await ok(flock, "POST", "/api/workflows", { path: dir }, 201);
          const run = await start("flock-feature", "Add a greeting command");
          const worktree = run.worktree!;
          assertEquals(worktree.branch, "flock/run-1-add-a-greeting-command");
          assertEquals(worktree.base, "main");
          assertMatch(
            worktree.path,
            new RegExp(`^${worktreeRoot}/run-1-[0-9a-f]{6}$`),
          );
          await log.untilRun(run.id, ["completed", "failed", "blocked"]);
          const done = await ok<RunJson>(flock, "GET", `/api/runs/${run.id}`);
          assertEquals(done.status, "completed", JSON.stringify(done));
          assertEquals(attemptLines(done), FEATURE_ATTEMPTS);
          assertEquals(done.worktree, worktree);
          // Every attempt's session worked in the worktree.
          for (const attempt of done.attempts) {
            const session = await ok<SessionJson>(
              flock,
              "GET",
              `/api/sessions/${attempt.session_id}`,
            );
            assertEquals(session.directory, worktree.path, attempt.id);
          }
          // The developer wrote there, through OpenCode's write tool, and
          // nothing reached the instance's checkout.
          const written = [
            "flock-S-1.txt",
            "flock-S-1-fix.txt",
            "flock-S-2.txt",
            `progress-${run.id}.txt`,
          ];
          for (const file of written.slice(0, 3)) {
            assertMatch(
              await Deno.readTextFile(`${worktree.path}/${file}`),
              /implemented/,
            );
          }
          for (const file of written) {
            assertEquals(await exists(`${repo}/${file}`), false, file);
          }
          assertEquals(await gitOut(repo, "status", "--porcelain"), "");
          assertEquals((await gitOut(repo, "rev-parse", "HEAD")).trim(), main);
          // The branch holds all of it, committed: one commit per
          // attempt's work, named after the attempt.
          assertEquals(
            await gitOut(worktree.path, "status", "--porcelain"),
            "",
          );
          const changed = (await gitOut(
            repo,
            "diff",
            "--name-only",
            `main...${worktree.branch}`,
          )).trim().split("\n").sort();
          assertEquals(changed, [...written].sort());
          const subjects = (await gitOut(
            repo,
            "log",
            "--format=%s",
            `main..${worktree.branch}`,
          )).trim().split("\n").reverse();
          assertEquals(subjects, [
            `Run #1 of flock-feature: setup (attempt ${run.id}.2)`,
            `Run #1 of flock-feature: implement S-1 (attempt ${run.id}.3)`,
            `Run #1 of flock-feature: implement S-1 (attempt ${run.id}.5)`,
            `Run #1 of flock-feature: implement S-2 (attempt ${run.id}.7)`,
          ]);
          // The worktree outlives the run.
          assertMatch(
            await gitOut(repo, "worktree", "list", "--porcelain"),
            new RegExp(`worktree ${worktree.path}\n`),
          );
        },
      );

      await t.step(
        "two runs on one instance write the same file at the same time without collision",
        async () => {
          await ok(flock, "POST", "/api/workflows", { yaml: TWIN_YAML }, 201);
          const heldAlpha = model.hold(/shared file for alpha/);
          const heldBeta = model.hold(/shared file for beta/);
          const alpha = await start("twin", "alpha");
          const beta = await start("twin", "beta");
          // Both agents' requests are in flight at once before either goes on.
          await Promise.all([heldAlpha.reached, heldBeta.reached]);
          heldAlpha.release();
          heldBeta.release();
          for (const run of [alpha, beta]) {
            const ended = await log.untilRun(run.id, [
              "completed",
              "failed",
              "blocked",
            ]);
            assertEquals(ended.status, "completed", JSON.stringify(ended));
          }
          assert(alpha.worktree!.path !== beta.worktree!.path);
          assert(alpha.worktree!.branch !== beta.worktree!.branch);
          for (
            const [run, text] of [[alpha, "alpha"], [beta, "beta"]] as const
          ) {
            const { path, branch } = run.worktree!;
            assertEquals(
              await Deno.readTextFile(`${path}/shared.txt`),
              `${text}\n`,
            );
            assertEquals(
              await gitOut(repo, "show", `${branch}:shared.txt`),
              `${text}\n`,
            );
          }
          assertEquals(await exists(`${repo}/shared.txt`), false);
          assertEquals(await gitOut(repo, "status", "--porcelain"), "");
        },
      );

      await t.step(
        "a worktree removed under a running run blocks it with how to restore it; restored and retried, it completes",
        async () => {
          await ok(
            flock,
            "POST",
            "/api/workflows",
            { yaml: TWO_PART_YAML },
            201,
          );
          const held = model.hold(/First part of/);
          const run = await start("two-part", "the vanishing act");
          const worktree = run.worktree!;
          await held.reached;
          await Deno.remove(worktree.path, { recursive: true });
          held.release();
          const blocked = await log.untilRun(run.id, [
            "blocked",
            "failed",
            "completed",
          ]);
          assertEquals(blocked.status, "blocked", JSON.stringify(blocked));
          const reason = blocked.blocked_reason ?? "";
          assertMatch(reason, /cannot run: Cannot work in the run's worktree/);
          assertMatch(reason, new RegExp(`${worktree.path} as it was removed`));
          assertMatch(
            reason,
            new RegExp(`its branch ${worktree.branch} keeps`),
          );
          const now = await ok<RunJson>(flock, "GET", `/api/runs/${run.id}`);
          const failed = now.steps.find((s) => s.status === "failed")!;
          const last = now.attempts.at(-1)!;
          assertEquals([last.step, last.outcome, last.session_id], [
            failed.id,
            "errored",
            null,
          ]);
          assertEquals(failed.retry_count, 0, "no retry spent on it");
          // Restore it as the reason says, then retry the step.
          await gitOut(repo, "worktree", "prune");
          await gitOut(repo, "worktree", "add", worktree.path, worktree.branch);
          await ok(
            flock,
            "POST",
            `/api/runs/${run.id}/steps/${failed.id}/retry`,
          );
          const ended = await log.wait((e) =>
            e.type === "run.updated" && e.properties.run.id === run.id &&
              e.properties.run.status !== "running" &&
              e.properties.run.status !== "blocked"
              ? e.properties.run
              : undefined
          );
          assertEquals(ended.status, "completed", JSON.stringify(ended));
          assertEquals(
            await gitOut(repo, "show", `${worktree.branch}:second.txt`),
            "second part\n",
          );
          assertEquals(await exists(`${repo}/second.txt`), false);
        },
      );

      await t.step(
        "without worktree, a run works in the instance's directory as before",
        async () => {
          await ok(flock, "POST", "/api/workflows", { yaml: HELD_YAML }, 201);
          const run = await ok<RunJson>(flock, "POST", "/api/runs", {
            workflow: "held",
            instance_id: created.id,
            task: "plain",
          }, 201);
          assertEquals(run.worktree, null);
          await log.untilRun(run.id, ["completed"]);
          const done = await ok<RunJson>(flock, "GET", `/api/runs/${run.id}`);
          const session = await ok<SessionJson>(
            flock,
            "GET",
            `/api/sessions/${done.attempts[0]!.session_id}`,
          );
          assertEquals(session.directory, repo);
        },
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("worktree: true on an instance outside git is a 400 naming the field", async () => {
  await using flock = await startTestFlock({ opencode: false });
  await ok(flock, "POST", "/api/workflows", { yaml: HELD_YAML }, 201);
  const dir = await flock.workspace("plain");
  const instance = await ok<InstanceJson>(flock, "POST", "/api/instances", {
    working_directory: dir,
  }, 201);
  const res = await flock.api<{ error: { code: string; message: string } }>(
    "POST",
    "/api/runs",
    { workflow: "held", instance_id: instance.id, task: "x", worktree: true },
  );
  assertEquals(res.status, 400, JSON.stringify(res.body));
  assertEquals(res.body.error.code, "worktree_not_git");
  assertMatch(
    res.body.error.message,
    /^Cannot start the run in its own worktree as field "worktree" needs a git repository: the directory of instance .* is not in one/,
  );
  assertEquals((await flock.api<RunJson[]>("GET", "/api/runs")).body, []);
});
