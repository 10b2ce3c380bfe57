/**
 * The runner in process over a real SQLite file and a fake OpenCode world
 * (`testing/fake_world.ts`): whole runs moved by events alone, crash
 * recovery (a session that finished while Flock was down, one cut off by
 * OpenCode's restart), role timeouts on a fake clock, a person's input,
 * stop, refused actions, and a missing template key.
 */
import { isFlockEvent } from "../contract/event_types.ts";
import type { WireEvent } from "../contract/events.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
} from "../testing/assert.ts";
import { FakeClock } from "../testing/fake_clock.ts";
import { storiesJson } from "../workflows/testing/specs.ts";
import { BUGFIX_YAML, FEATURE_YAML } from "../workflows/testing/specs.ts";
import { RunActionRefusedError } from "./run_errors.ts";
import type { WorldEnd, WorldPrompt } from "./testing/fake_world.ts";
import { startRunner } from "./testing/runner_harness.ts";
import {
  attemptLines,
  FEATURE_ATTEMPTS,
} from "../workflows/testing/attempt_lines.ts";

/** Plays the feature-mini roles: one verify retry on S-1. */
function feature(prompt: WorldPrompt, nth: number): WorldEnd {
  const unit = prompt.title.split(" · ").slice(1, -1).join("/");
  if (unit === "plan") {
    return {
      reply: `STATUS: done\nREPO: /r\nBRANCH: b\nSTORIES_JSON: ${
        storiesJson(2)
      }`,
      tokens: 100,
      cost: 0.01,
    };
  }
  if (unit === "setup") return { reply: "STATUS: done\nTEST_CMD: npm test" };
  if (unit.startsWith("implement/")) {
    return { reply: `STATUS: done\nCHANGES: ${unit} (${nth})` };
  }
  if (unit === "verify/S-1" && nth === 1) {
    return { reply: "STATUS: retry\nISSUES:\n- again" };
  }
  return { reply: "STATUS: done\nVERIFIED: ok\nRESULTS: r\nPR: p" };
}

function runEventTypes(events: WireEvent[], runId: string): string[] {
  return events.flatMap((event) => {
    if (!isFlockEvent(event)) return [];
    if (event.type === "run.updated" && event.properties.run.id === runId) {
      return [`run:${event.properties.run.status}`];
    }
    if (event.type === "run.notice" && event.properties.run_id === runId) {
      return [`notice:${event.properties.kind}`];
    }
    return [];
  });
}

Deno.test("a whole run moves on OpenCode's events alone, through a two-story loop with one verify retry, to completed", async () => {
  await using runner = await startRunner({ script: feature });
  await runner.install(FEATURE_YAML);
  const started = await runner.run("feature-mini");
  assertEquals([started.run_number, started.status], [1, "running"]);
  const done = await runner.until(started.id, [
    "completed",
    "failed",
    "blocked",
  ]);
  assertEquals(done.status, "completed");
  assertEquals(attemptLines(done), FEATURE_ATTEMPTS);
  // One session per attempt, one prompt per session, the agent's files as system text.
  const sessions = done.attempts.map((a) => a.session_id);
  assertEquals(new Set(sessions).size, FEATURE_ATTEMPTS.length);
  assertEquals(runner.world.prompts.length, FEATURE_ATTEMPTS.length);
  assertEquals(
    runner.world.prompts.map((p) => p.sessionId),
    sessions,
  );
  assertMatch(runner.world.prompts[0]!.system, /<file name="AGENTS.md">/);
  // Non-coding roles are denied writing; the coding role is not.
  assertEquals(runner.world.created[0]!.permission, [
    { permission: "edit", pattern: "*", action: "deny" },
    { permission: "write", pattern: "*", action: "deny" },
    { permission: "patch", pattern: "*", action: "deny" },
  ]);
  assertEquals(runner.world.created[1]!.permission, []);
  assertEquals([done.cost, done.attempts[0]!.tokens], [0.01, 100]);
  assertEquals(done.stories.map((s) => [s.id, s.status]), [
    ["S-1", "done"],
    ["S-2", "done"],
  ]);
  const seen = runEventTypes(runner.events, started.id);
  assertEquals(seen.at(-2), "run:completed");
  assertEquals(seen.at(-1), "notice:completed");
  assertEquals(seen.filter((s) => s.startsWith("notice")).length, 1);
  // Every command was carried out and confirmed; every event is in the log.
  const store = runner.services.runs;
  assertEquals(store.list({ status: "completed" }).length, 1);
  assertEquals(runner.services.runs.activeRunsOn("inst_a"), []);
});

Deno.test("a crash in the middle of an attempt whose session finishes while Flock is down: judged from its messages, none lost, none doubled", async () => {
  const script = (prompt: WorldPrompt, nth: number): WorldEnd =>
    prompt.title.includes("implement · S-2")
      ? { hold: true }
      : feature(prompt, nth);
  await using first = await startRunner({ script });
  await first.install(FEATURE_YAML);
  const run = await first.run("feature-mini");
  await first.untilEvent((e) =>
    e.type === "session.created" &&
    JSON.stringify(e.properties).includes("implement · S-2")
  );
  // Let the prompt go out, then crash.
  await waitFor(() => first.world.prompts.some((p) => p.title.includes("S-2")));
  await first.crash();
  const held = first.world.prompts.find((p) =>
    p.title.includes("implement · S-2")
  )!;
  first.world.finish(held.sessionId, "STATUS: done\nCHANGES: S-2 while down");

  await using second = await startRunner({
    script: feature,
    dbPath: dbPathOf(first),
    world: first.world,
  });
  const done = await second.until(run.id, ["completed", "failed", "blocked"]);
  assertEquals(done.status, "completed");
  assertEquals(attemptLines(done), FEATURE_ATTEMPTS);
  const s2 = done.attempts.find((a) =>
    a.step === "implement" && a.story === "S-2"
  )!;
  assertEquals(s2.session_id, held.sessionId);
  assertEquals(done.context.changes, "S-2 while down");
  assertEquals(first.world.prompts.length, FEATURE_ATTEMPTS.length);
  assertEquals(new Set(done.attempts.map((a) => a.session_id)).size, 11);
});

Deno.test("a reply cut off by OpenCode's restart is done again in a new attempt, without spending a retry", async () => {
  const script = (prompt: WorldPrompt, nth: number): WorldEnd =>
    prompt.title.includes("· setup ·") && nth === 1
      ? { hold: true }
      : feature(prompt, nth);
  await using first = await startRunner({ script });
  await first.install(FEATURE_YAML);
  const run = await first.run("feature-mini");
  await waitFor(() =>
    first.world.prompts.some((p) => p.title.includes("setup"))
  );
  await first.crash();
  first.world.restart();
  await using second = await startRunner({
    script,
    dbPath: dbPathOf(first),
    world: first.world,
  });
  const done = await second.until(run.id, ["completed", "failed", "blocked"]);
  assertEquals(done.status, "completed");
  assertEquals(attemptLines(done), [
    "plan:passed",
    "setup:interrupted",
    ...FEATURE_ATTEMPTS.slice(1),
  ]);
  assertEquals(done.steps.find((s) => s.id === "setup")!.retry_count, 0);
  assertMatch(done.attempts[1]!.detail ?? "", /cut off/);
});

Deno.test("a role timeout on the injected clock aborts the session and counts as a failed attempt", async () => {
  const clock = new FakeClock();
  const script = (prompt: WorldPrompt, nth: number): WorldEnd => {
    if (prompt.title.includes("· triage ·")) {
      return { reply: "STATUS: done\nROOT_CAUSE: x" };
    }
    if (prompt.title.includes("· fix ·") && nth === 1) return { hold: true };
    return { reply: "STATUS: done\nCHANGES: fixed" };
  };
  await using runner = await startRunner({ script, clock });
  await runner.install(BUGFIX_YAML);
  const run = await runner.run("bugfix-mini");
  await waitFor(() =>
    runner.world.prompts.some((p) => p.title.includes("· fix ·"))
  );
  await clock.untilSleeping(1);
  assertEquals(clock.pending, [60_000]); // the fixer's timeoutSeconds
  await clock.next();
  const done = await runner.until(run.id, ["completed", "failed", "blocked"]);
  assertEquals(done.status, "completed");
  assertEquals(attemptLines(done), [
    "triage:passed",
    "fix:timed_out",
    "fix:passed",
    "verify:passed",
  ]);
  const held = runner.world.prompts.find((p) => p.title.includes("· fix ·"))!;
  assert(runner.world.aborts.includes(held.sessionId));
  assertMatch(done.attempts[1]!.detail ?? "", /timed out after 1 minutes/);
});

Deno.test("a permission request blocks the run on a person with the reason, pauses its timeout, and the answer carries it on", async () => {
  const clock = new FakeClock();
  const script = (prompt: WorldPrompt): WorldEnd =>
    prompt.title.includes("· triage ·")
      ? { permission: "bash" }
      : { reply: "STATUS: done\nROOT_CAUSE: x\nCHANGES: y" };
  await using runner = await startRunner({ script, clock });
  await runner.install(BUGFIX_YAML);
  const run = await runner.run("bugfix-mini");
  const blocked = await runner.until(run.id, ["blocked"]);
  assertMatch(
    blocked.blocked_reason ?? "",
    /Step "triage" waits for an answer: permission to bash/,
  );
  assertEquals(clock.pending, []); // the timeout is paused
  assertEquals(
    runner.services.runs.list({ status: "blocked" }).map((r) => r.id),
    [run.id],
  );
  const session = runner.world.prompts[0]!.sessionId;
  runner.world.reply(session);
  await runner.untilEvent((e) =>
    isFlockEvent(e) && e.type === "run.updated" &&
    e.properties.run.status === "running" && e.properties.run.id === run.id &&
    runner.services.runs.get(run.id)!.blocked_reason === null &&
    runner.events.filter((x) => x.type === "run.updated").length > 3
  );
  await clock.untilSleeping(1);
  runner.world.finish(session, "STATUS: done\nROOT_CAUSE: x");
  const done = await runner.until(run.id, ["completed", "failed"]);
  assertEquals(done.status, "completed");
  assert(
    runEventTypes(runner.events, run.id).includes("notice:blocked"),
    "a blocked notice was published",
  );
});

Deno.test("stop aborts the live session and ends cancelled; actions the state does not allow are refused with the reason", async () => {
  await using runner = await startRunner({ script: () => ({ hold: true }) });
  await runner.install(FEATURE_YAML);
  const run = await runner.run("feature-mini");
  await waitFor(() => runner.world.prompts.length === 1);
  const refused = await assertRejects(
    () =>
      runner.services.runs.act(run.id, {
        type: "approve",
        step: "plan",
      }),
    RunActionRefusedError,
  );
  assertMatch(
    refused.message,
    /Cannot approve step "plan" as it does not wait for approval/,
  );
  const stopped = await runner.services.runs.act(run.id, {
    type: "stop",
  });
  assertEquals(stopped.status, "cancelled");
  await waitFor(() => runner.world.aborts.length === 1);
  assertEquals(runner.world.aborts, [runner.world.prompts[0]!.sessionId]);
  assertEquals(stopped.attempts[0]!.outcome, "aborted");
  const again = await assertRejects(
    () => runner.services.runs.act(run.id, { type: "stop" }),
    RunActionRefusedError,
  );
  assertEquals(again.message, "Cannot stop run #1 as it is cancelled");
});

Deno.test("a missing template key fails the step with the key named, and no prompt is sent", async () => {
  const yaml = `
id: holes
name: Holes
version: 1
agents: [{ id: a, role: analysis }]
steps:
  - { id: first, agent: a, input: "Say {{task}}." }
  - { id: second, agent: a, input: "Use {{missing_thing}} now." }
`;
  await using runner = await startRunner({
    script: () => ({ reply: "STATUS: done" }),
  });
  await runner.install(yaml);
  const run = await runner.run("holes");
  const done = await runner.until(run.id, ["failed", "completed", "blocked"]);
  assertEquals(done.status, "failed");
  assertMatch(done.failure_reason ?? "", /template key missing: missing_thing/);
  assertEquals(attemptLines(done), ["first:passed", "second:missing_keys"]);
  assertEquals(done.attempts[1]!.session_id, null);
  assertEquals(runner.world.prompts.map((p) => p.text), [
    "Say add a greeting.",
  ]);
});

function dbPathOf(
  runner: { services: { db: { location(): string | null } } },
): string {
  const path = runner.services.db.location();
  if (path === null) throw new Error("an in-memory database");
  return path;
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !check(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (!check()) throw new Error("Timed out waiting for a condition");
}
