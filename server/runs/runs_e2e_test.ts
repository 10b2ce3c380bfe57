/**
 * Whole workflow runs with a real OpenCode (the pinned 1.18.33) and the fake
 * model playing the roles, over Flock's HTTP API, on a temp git repository:
 *
 * - antfarm's own `feature-dev` (extracted from the local mirror at test
 *   time; ignored, saying so, where the mirror is absent, as in CI), and the
 *   same shape from a Flock-authored spec (always runs): plan, setup, a
 *   two-story loop with one verify retry, test, pr, review → completed; each
 *   attempt's session holds its transcript; the run's events arrive on
 *   `/api/events` in order;
 * - a failure that exhausts its retries → blocked, listed, notified; retry
 *   (or approve) carries it on, through a gate a person approves;
 * - stop aborts the live session and ends the run cancelled;
 * - a missing template key fails the step, naming the key, with no prompt
 *   sent (the fake model's request log);
 * - an agent's permission request blocks the run with the reason until a
 *   person answers it.
 *
 * One Flock and one instance serve every step (OpenCode takes seconds to start).
 */
import type { InstanceJson } from "../contract/instances.ts";
import type { OpenCodeMessageWithParts } from "../contract/opencode.ts";
import type {
  RunJson,
  RunSummaryJson,
  WorkflowJson,
} from "../contract/workflows.ts";
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import { startTestFlock, type TestFlock } from "../testing/flock_harness.ts";
import { FAKE_VERIFY_ISSUE } from "../testing/fake_model_roles.ts";
import {
  ANTFARM_WORKFLOWS,
  extractAntfarm,
  HAS_ANTFARM,
  NEEDS_ANTFARM,
} from "../workflows/testing/antfarm_mirror.ts";
import { EventLog, initGitRepo } from "./testing/event_log.ts";
import {
  ASKING_YAML,
  ESCALATING_YAML,
  HELD_YAML,
  HOLES_YAML,
  writeFeatureWorkflow,
} from "./testing/flock_specs.ts";
import {
  attemptLines,
  FEATURE_ATTEMPTS,
} from "../workflows/testing/attempt_lines.ts";
import { ok } from "./testing/run_http.ts";

const STEP_ORDER = [
  "plan",
  "setup",
  "implement",
  "verify",
  "test",
  "pr",
  "review",
];

/** Checks a completed feature run: attempts, transcripts, files, events in order. */
async function checkFeatureRun(
  flock: TestFlock,
  log: EventLog,
  repo: string,
  runId: string,
): Promise<RunJson> {
  const run = await ok<RunJson>(flock, "GET", `/api/runs/${runId}`);
  assertEquals(run.status, "completed", JSON.stringify(run));
  assertEquals(attemptLines(run), FEATURE_ATTEMPTS);
  assertEquals(run.stories.map((s) => `${s.id}:${s.status}`), [
    "S-1:done",
    "S-2:done",
  ]);
  assertEquals(run.steps.map((s) => s.status), Array(7).fill("done"));
  // Each attempt's session holds its transcript: its prompt, then its reply.
  const sessions = run.attempts.map((a) => a.session_id!);
  assertEquals(new Set(sessions).size, FEATURE_ATTEMPTS.length);
  for (const attempt of run.attempts) {
    const messages = await ok<OpenCodeMessageWithParts[]>(
      flock,
      "GET",
      `/api/sessions/${attempt.session_id}/messages`,
    );
    const users = messages.filter((m) => m.info.role === "user");
    assertEquals(users.length, 1, `one prompt in ${attempt.id}`);
    const last = messages.at(-1)!;
    assertEquals(last.info.role, "assistant");
    const text = last.parts.flatMap((p) => p.type === "text" ? [p.text] : [])
      .join("");
    assertMatch(text, /STATUS: (done|retry)/, attempt.id);
  }
  // The developer edited files through OpenCode's write tool.
  for (const file of ["flock-S-1.txt", "flock-S-1-fix.txt", "flock-S-2.txt"]) {
    assertMatch(await Deno.readTextFile(`${repo}/${file}`), /implemented/);
    await Deno.remove(`${repo}/${file}`);
  }
  // The fixed S-1 was told what the verifier asked for.
  assertMatch(run.context.changes ?? "", /S-2/);
  // The run's events came on /api/events, in order.
  const events = log.ofRun(runId);
  const ids = events.map((e) => e.id);
  assertEquals(ids, [...ids].sort((a, b) => a - b));
  const statuses = events.flatMap(({ event }) =>
    event.type === "run.updated" ? [event.properties.run.status] : []
  );
  assertEquals(statuses[0], "running");
  assertEquals(statuses.at(-1), "completed");
  const firstDone: string[] = [];
  for (const { event } of events) {
    if (
      event.type === "step.updated" &&
      event.properties.step.status === "done" &&
      !firstDone.includes(event.properties.step.id)
    ) {
      firstDone.push(event.properties.step.id);
    }
  }
  assertEquals(firstDone, STEP_ORDER);
  const attemptsSeen: number[] = [];
  for (const { event } of events) {
    if (
      event.type === "attempt.updated" &&
      !attemptsSeen.includes(event.properties.attempt.number)
    ) {
      attemptsSeen.push(event.properties.attempt.number);
    }
  }
  assertEquals(attemptsSeen, FEATURE_ATTEMPTS.map((_, i) => i + 1));
  const notices = events.flatMap(({ event }) =>
    event.type === "run.notice" ? [event.properties.kind] : []
  );
  assertEquals(notices, ["completed"]);
  return run;
}

Deno.test({
  name: "workflow runs end to end with a real OpenCode and the fake model",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using flock = await startTestFlock({ bash: "ask" });
    const model = flock.model!;
    const repo = await flock.workspace("project");
    await initGitRepo(repo);
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
      }, 201);

    await t.step({
      name:
        `antfarm's own feature-dev, bug-fix and security-audit install unchanged; feature-dev runs to completed ${NEEDS_ANTFARM}`,
      ignore: !HAS_ANTFARM,
      async fn() {
        const antfarm = await extractAntfarm();
        try {
          for (const id of ANTFARM_WORKFLOWS) {
            const installed = await ok<WorkflowJson>(
              flock,
              "POST",
              "/api/workflows",
              { path: `${antfarm}/workflows/${id}` },
              201,
            );
            assertEquals(installed.id, id);
          }
          const run = await start("feature-dev", "Add a greeting command");
          await log.untilRun(run.id, ["completed", "failed", "blocked"]);
          const done = await checkFeatureRun(flock, log, repo, run.id);
          assertEquals(done.workflow, "feature-dev");
          // The planner got antfarm's planner files as its system text.
          const plan = model.requests.find((r) =>
            r.userText.includes("Decompose the following task")
          )!;
          assertMatch(plan.system, /<file name="SOUL.md">/);
        } finally {
          await Deno.remove(antfarm, { recursive: true });
        }
      },
    });

    await t.step(
      "a Flock-authored feature workflow runs to completed: two stories, one verify retry, progress and front-end inputs gathered",
      async () => {
        const root = await Deno.makeTempDir({ prefix: "flock-wf-" });
        try {
          const dir = await writeFeatureWorkflow(root);
          await ok(flock, "POST", "/api/workflows", { path: dir }, 201);
          const before = model.requests.length;
          const run = await start("flock-feature", "Add a greeting command");
          await log.untilRun(run.id, ["completed", "failed", "blocked"]);
          await checkFeatureRun(flock, log, repo, run.id);
          const requests = model.requests.slice(before);
          const implementing = requests.filter((r) =>
            r.lastRole === "user" &&
            r.userText.startsWith("Implement the following user story")
          );
          assertEquals(implementing.length, 3);
          // {{progress}}: the file the setup step wrote, read from the repository.
          assert(
            implementing.every((r) =>
              r.userText.includes("written by the fake model")
            ),
            "{{progress}} holds the file the setup step wrote",
          );
          assert(
            implementing.some((r) => r.userText.includes(FAKE_VERIFY_ISSUE)),
          );
          const verify = requests.find((r) =>
            r.userText.startsWith("Verify the developer's work")
          )!;
          assertMatch(verify.userText, /Has frontend changes: false/);
          // The role rulesets reach OpenCode (POST /session with permission):
          // the verifier's session is offered no tool that writes, the
          // developer's is.
          for (const tool of ["write", "edit"]) {
            assert(!verify.tools.includes(tool), `verifier offered ${tool}`);
          }
          assert(implementing[0]!.tools.includes("write"));
          await Deno.remove(`${repo}/progress-${run.id}.txt`);
        } finally {
          await Deno.remove(root, { recursive: true });
        }
      },
    );

    await t.step(
      "a failure that exhausts its retries blocks the run, listed and notified; retry carries it on, and a gate waits for approve",
      async () => {
        await ok(
          flock,
          "POST",
          "/api/workflows",
          { yaml: ESCALATING_YAML },
          201,
        );
        model.answerNext(
          /Check the build/,
          "STATUS: failed\nREASON: red build",
          2,
        );
        const run = await start("escalating", "release 1");
        const blocked = await log.untilRun(run.id, [
          "blocked",
          "completed",
          "failed",
        ]);
        assertEquals(blocked.status, "blocked");
        assertMatch(
          blocked.blocked_reason ?? "",
          /"check" failed 2 times; the last attempt: .*STATUS/,
        );
        const inbox = await ok<RunSummaryJson[]>(
          flock,
          "GET",
          "/api/runs?status=blocked",
        );
        assertEquals(inbox.map((r) => r.id), [run.id]);
        await log.wait((e) =>
          e.type === "run.notice" && e.properties.run_id === run.id &&
            e.properties.kind === "blocked"
            ? true
            : undefined
        );
        const refused = await flock.api<
          { error: { code: string; message: string } }
        >(
          "POST",
          `/api/runs/${run.id}/resume`,
        );
        assertEquals(refused.status, 409);
        assertMatch(refused.body.error.message, /approve, retry or skip it/);
        await ok(flock, "POST", `/api/runs/${run.id}/steps/check/retry`);
        const gate = await log.wait((e) =>
          e.type === "run.updated" && e.properties.run.id === run.id &&
            e.properties.run.current_step === "approval" &&
            e.properties.run.status === "blocked"
            ? e.properties.run
            : undefined
        );
        assertEquals(gate.blocked_reason, "Ship v1?");
        const early = await flock.api(
          "POST",
          `/api/runs/${run.id}/steps/final/approve`,
        );
        assertEquals(early.status, 409);
        await ok(flock, "POST", `/api/runs/${run.id}/steps/approval/approve`);
        await log.untilRun(run.id, ["completed"]);
        const done = await ok<RunJson>(flock, "GET", `/api/runs/${run.id}`);
        assertEquals(attemptLines(done), [
          "check:failed",
          "check:failed",
          "check:passed",
          "final:passed",
        ]);

        // The same failure, accepted by a person instead.
        model.answerNext(/Check the build/, "STATUS: failed", 2);
        const second = await start("escalating", "release 2");
        await log.untilRun(second.id, ["blocked"]);
        await ok(flock, "POST", `/api/runs/${second.id}/steps/check/approve`);
        await log.wait((e) =>
          e.type === "run.updated" && e.properties.run.id === second.id &&
            e.properties.run.current_step === "approval"
            ? true
            : undefined
        );
        await ok(
          flock,
          "POST",
          `/api/runs/${second.id}/steps/approval/approve`,
        );
        await log.untilRun(second.id, ["completed"]);
      },
    );

    await t.step(
      "stop aborts the live session and ends the run cancelled; a workflow or instance in use cannot be deleted",
      async () => {
        await ok(flock, "POST", "/api/workflows", { yaml: HELD_YAML }, 201);
        const hold = model.hold(/Hold this one/);
        try {
          const run = await start("held", "forever");
          await hold.reached;
          const live = await log.wait((e) =>
            e.type === "attempt.updated" && e.properties.run_id === run.id &&
              e.properties.attempt.session_id !== null
              ? e.properties.attempt
              : undefined
          );
          const busy = await flock.api("DELETE", "/api/workflows/held");
          assertEquals(busy.status, 409);
          const inUse = await flock.api(
            "DELETE",
            `/api/instances/${created.id}`,
          );
          assertEquals(inUse.status, 409);
          const stopped = await ok<RunJson>(
            flock,
            "POST",
            `/api/runs/${run.id}/stop`,
          );
          assertEquals(stopped.status, "cancelled");
          assertEquals(stopped.attempts[0]!.outcome, "aborted");
          const aborted = await log.wait((e) =>
            e.type === "session.error" &&
              e.properties.sessionID === live.session_id
              ? e.properties.error?.name
              : undefined
          );
          assertEquals(aborted, "MessageAbortedError");
          assertEquals(
            (await flock.api("DELETE", "/api/workflows/held")).status,
            204,
          );
        } finally {
          hold.release();
        }
      },
    );

    await t.step(
      "a missing template key fails the step with the key named, and no prompt is sent",
      async () => {
        await ok(flock, "POST", "/api/workflows", { yaml: HOLES_YAML }, 201);
        const run = await start("holes", "the holes");
        const failed = await log.untilRun(run.id, [
          "failed",
          "completed",
          "blocked",
        ]);
        assertEquals(failed.status, "failed");
        assertMatch(
          failed.failure_reason ?? "",
          /template key missing: missing_thing/,
        );
        const done = await ok<RunJson>(flock, "GET", `/api/runs/${run.id}`);
        assertEquals(attemptLines(done), [
          "first:passed",
          "second:missing_keys",
        ]);
        assertEquals(done.attempts[1]!.session_id, null);
        assert(
          model.requests.some((r) =>
            r.userText.startsWith("First of the holes")
          ),
        );
        assert(
          !model.requests.some((r) => r.userText.includes("Second, with")),
        );
      },
    );

    await t.step(
      "an agent's permission request blocks the run with the reason until a person answers it",
      async () => {
        await ok(flock, "POST", "/api/workflows", { yaml: ASKING_YAML }, 201);
        const run = await start("asking", "ask");
        const blocked = await log.untilRun(run.id, [
          "blocked",
          "completed",
          "failed",
        ]);
        assertMatch(
          blocked.blocked_reason ?? "",
          /Step "run" waits for an answer: permission to bash \(echo flock-asked\)/,
        );
        const pending = await ok<{ id: string; sessionID: string }[]>(
          flock,
          "GET",
          "/api/permissions",
        );
        assertEquals(pending.length, 1);
        await ok(flock, "POST", `/api/permissions/${pending[0]!.id}`, {
          reply: "once",
        });
        await log.untilRun(run.id, ["completed"]);
        const done = await ok<RunJson>(flock, "GET", `/api/runs/${run.id}`);
        assertMatch(done.steps[0]!.output ?? "", /TOOL: flock-asked/);
      },
    );
  },
});
