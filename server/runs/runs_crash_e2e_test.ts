/**
 * kill -9 of Flock in the middle of a workflow run, as a real process test
 * (the launcher's permissions, a real OpenCode, the fake model in this
 * process, a temp git repository), twice:
 *
 * 1. while the developer works on story S-2; its reply is let through
 *    while Flock is down, so the session finishes on the orphaned OpenCode:
 *    the restarted Flock judges that attempt from its session's messages
 *    (same attempt, same session, no second prompt);
 * 2. while the tester works, its reply still held when Flock restarts:
 *    the boot reaps the orphaned OpenCode, the reply is cut off, and the
 *    restarted Flock does the step again in a new attempt (`interrupted`,
 *    no retry spent).
 *
 * The run works in a git worktree of its own (`"worktree": true`) and
 * carries on in that same worktree after each restart: every attempt's
 * session works there, the developer's files and the run's commits are on
 * its branch, and the instance's checkout stays clean.
 *
 * The run completes; its attempts are counted: none lost, none doubled,
 * one session and one prompt each.
 */
import { DatabaseSync } from "node:sqlite";
import type { InstanceJson } from "../contract/instances.ts";
import type { OpenCodeMessageWithParts } from "../contract/opencode.ts";
import type { SessionJson } from "../contract/sessions.ts";
import type { RunJson } from "../contract/workflows.ts";
import { TEST_GIT_ENV, testGit } from "../git/test_repo.ts";
import { log } from "../log.ts";
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import { startFakeModel } from "../testing/fake_model.ts";
import {
  type FlockProcess,
  startFlockProcess,
} from "../testing/flock_process.ts";
import { createOpenCodeEnv } from "../testing/opencode_env.ts";
import { isAlive, readProc, waitFor } from "../testing/procfs.ts";
import { initGitRepo } from "./testing/event_log.ts";
import { writeFeatureWorkflow } from "./testing/flock_specs.ts";
import { attemptLines } from "../workflows/testing/attempt_lines.ts";
import { api } from "../testing/flock_http.ts";

/** Polls the API (test side) until `check` returns a value. */
async function poll<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 180_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

const running = (base: string, id: string, not?: number | null) =>
  poll(`instance ${id} to run`, async () => {
    const row = await api<InstanceJson>(base, "GET", `/api/instances/${id}`);
    return row.status === "running" && row.pid !== not ? row : undefined;
  });

function env(pid: number, name: string): string {
  const environ = Deno.readTextFileSync(`/proc/${pid}/environ`);
  const entry = environ.split("\0").find((e) => e.startsWith(`${name}=`));
  if (entry === undefined) throw new Error(`${name} is not set in ${pid}`);
  return entry.slice(name.length + 1);
}

/** Asks the orphaned OpenCode directly (Flock is down) until the session is idle with a finished reply. */
async function untilFinishedOnOrphan(
  child: InstanceJson,
  sessionId: string,
  directory: string,
): Promise<void> {
  const auth = `Basic ${
    btoa(`opencode:${env(child.pid!, "OPENCODE_SERVER_PASSWORD")}`)
  }`;
  const base = `http://127.0.0.1:${child.port}`;
  await poll("the session to finish on the orphaned OpenCode", async () => {
    // A worktree's busy sessions are listed only for its directory.
    const status = await (await fetch(`${base}/session/status`, {
      headers: {
        authorization: auth,
        "x-opencode-directory": encodeURIComponent(directory),
      },
    })).json() as Record<string, unknown>;
    if (sessionId in status) return undefined;
    const messages = await (await fetch(
      `${base}/session/${sessionId}/message`,
      { headers: { authorization: auth } },
    )).json() as OpenCodeMessageWithParts[];
    const last = messages.at(-1)?.info;
    return last?.role === "assistant" && last.time.completed !== undefined
      ? true
      : undefined;
  });
}

Deno.test({
  name:
    "kill -9 of Flock in the middle of attempts, then restarts: the run completes with every attempt counted once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using model = await startFakeModel();
    await using opencodeEnv = await createOpenCodeEnv({
      modelBaseURL: model.baseURL,
    });
    const repo = await opencodeEnv.workspace("repo");
    await initGitRepo(repo);
    const workflowDir = await writeFeatureWorkflow(
      await opencodeEnv.workspace("antfarm-like"),
    );
    const home = opencodeEnv.env.HOME!;
    const start = () =>
      startFlockProcess({
        home,
        // The run's commits need an author; the user's git config stays out.
        env: { ...opencodeEnv.env, ...TEST_GIT_ENV },
        args: ["--port", "0"],
      });
    const children: number[] = [];
    const flocks: FlockProcess[] = [];
    try {
      // 1. A run, and a kill -9 while the developer works on S-2.
      const first = await start();
      flocks.push(first);
      const created = await api<InstanceJson>(
        first.url,
        "POST",
        "/api/instances",
        { working_directory: repo },
      );
      const child1 = await running(first.url, created.id);
      children.push(child1.pid!);
      await api(first.url, "POST", "/api/workflows", { path: workflowDir });
      const holdImplement = model.hold(
        /Implement the following user story[\s\S]*Story S-2:/,
      );
      const run = await api<RunJson>(first.url, "POST", "/api/runs", {
        workflow: "flock-feature",
        instance_id: created.id,
        task: "Add a greeting command",
        worktree: true,
      });
      const worktree = run.worktree!;
      assertEquals(worktree.branch, "flock/run-1-add-a-greeting-command");
      await holdImplement.reached;
      const s2 = await poll("the S-2 attempt's session", async () => {
        const now = await api<RunJson>(first.url, "GET", `/api/runs/${run.id}`);
        return now.attempts.find((a) =>
          a.step === "implement" && a.story === "S-2" && a.session_id !== null
        );
      });
      first.child.kill("SIGKILL");
      await first.exited;
      assert(isAlive(child1.pid!), "OpenCode outlives Flock's kill -9");
      // Its reply goes through while Flock is down.
      holdImplement.release();
      await untilFinishedOnOrphan(child1, s2.session_id!, worktree.path);

      // 2. Restart; the run carries on; kill -9 again while the tester works.
      const holdTest = model.hold(/Integration and E2E testing/);
      const second = await start();
      flocks.push(second);
      const child2 = await running(second.url, created.id, child1.pid);
      children.push(child2.pid!);
      await waitFor(
        "the first orphan to be reaped",
        () => !isAlive(child1.pid!),
        30_000,
      );
      await holdTest.reached;
      await poll("the test attempt's session", async () => {
        const now = await api<RunJson>(
          second.url,
          "GET",
          `/api/runs/${run.id}`,
        );
        return now.attempts.find((a) =>
          a.step === "test" && a.session_id !== null
        );
      });
      second.child.kill("SIGKILL");
      await second.exited;
      assert(isAlive(child2.pid!), "OpenCode outlives Flock's second kill -9");

      // 3. Restart with the tester's reply still held: its OpenCode is reaped.
      const third = await start();
      flocks.push(third);
      const child3 = await running(third.url, created.id, child2.pid);
      children.push(child3.pid!);
      await waitFor(
        "the second orphan to be reaped",
        () => !isAlive(child2.pid!),
        30_000,
      );
      holdTest.release();
      const done = await poll("the run to complete", async () => {
        const now = await api<RunJson>(third.url, "GET", `/api/runs/${run.id}`);
        if (now.status === "failed" || now.status === "cancelled") {
          throw new Error(
            `The run ended ${now.status}: ${JSON.stringify(now)}`,
          );
        }
        return now.status === "completed" ? now : undefined;
      }, 300_000);

      assertEquals(attemptLines(done), [
        "plan:passed",
        "setup:passed",
        "implement/S-1:passed",
        "verify/S-1:retry",
        "implement/S-1:passed",
        "verify/S-1:passed",
        "implement/S-2:passed",
        "verify/S-2:passed",
        "test:interrupted",
        "test:passed",
        "pr:passed",
        "review:passed",
      ]);
      assertEquals(
        done.attempts.map((a) => a.number),
        done.attempts.map((_, i) => i + 1),
      );
      const judged = done.attempts.find((a) => a.id === s2.id)!;
      assertEquals(
        judged.session_id,
        s2.session_id,
        "judged from its own session",
      );
      const cut = done.attempts[8]!.detail ?? "";
      log.info(`The interrupted attempt: ${cut}`);
      assertMatch(cut, /cut off|aborted/);
      assertEquals(done.steps.find((s) => s.id === "test")!.retry_count, 0);
      const sessions = done.attempts.map((a) => a.session_id);
      assertEquals(
        new Set(sessions).size,
        sessions.length,
        "one session per attempt",
      );
      for (const attempt of done.attempts) {
        const messages = await api<OpenCodeMessageWithParts[]>(
          third.url,
          "GET",
          `/api/sessions/${attempt.session_id}/messages`,
        );
        assertEquals(
          messages.filter((m) => m.info.role === "user").length,
          1,
          `one prompt in ${attempt.id}`,
        );
        // Before and after each restart, in the same worktree.
        const session = await api<SessionJson>(
          third.url,
          "GET",
          `/api/sessions/${attempt.session_id}`,
        );
        assertEquals(session.directory, worktree.path, attempt.id);
      }
      // The same worktree all along: the developer's files (S-2's written
      // while Flock was down) are committed on the run's branch; the
      // instance's checkout is untouched.
      assertEquals(done.worktree, worktree);
      const git = testGit();
      const out = async (dir: string, ...args: string[]) =>
        (await git.run(args, { dir })).stdout;
      assertEquals(
        (await out(repo, "diff", "--name-only", `main...${worktree.branch}`))
          .trim().split("\n").sort(),
        [
          "flock-S-1-fix.txt",
          "flock-S-1.txt",
          "flock-S-2.txt",
          `progress-${run.id}.txt`,
        ],
      );
      assertEquals(await out(worktree.path, "status", "--porcelain"), "");
      assertEquals(await out(repo, "status", "--porcelain"), "");
      // Stop the last Flock cleanly, then look at what the database holds.
      third.child.kill("SIGTERM");
      assertEquals((await third.exited).code, 0);
      const db = new DatabaseSync(
        `${opencodeEnv.env.XDG_DATA_HOME}/flock/flock.db`,
      );
      try {
        const live = db.prepare(
          "SELECT count(*) AS n FROM run_attempts WHERE phase <> 'ended'",
        ).get() as { n: number };
        assertEquals(live.n, 0);
        const outbox = db.prepare("SELECT count(*) AS n FROM run_outbox")
          .get() as { n: number };
        assertEquals(outbox.n, 0);
        const recovered = db.prepare(
          "SELECT count(*) AS n FROM run_transitions WHERE type = 'recovered'",
        ).get() as { n: number };
        assertEquals(recovered.n, 2);
      } finally {
        db.close();
      }
    } finally {
      for (const flock of flocks) await flock[Symbol.asyncDispose]();
      for (const pid of children) {
        if (isAlive(pid) && readProc(pid)?.cmdline.includes("serve")) {
          Deno.kill(pid, "SIGKILL");
        }
      }
    }
  },
});
