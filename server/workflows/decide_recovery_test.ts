/**
 * Crash recovery, at every point of a run. A fake OpenCode ("the world")
 * keeps sessions across the crash; the engine keeps only what was persisted:
 * the last state, and the commands of it still to be carried out (the
 * outbox). At crash point N the runner stops after N actions; sessions that
 * were busy finish while it is down; on restart it replays what
 * `replayAfterCrash` allows, sends `recovered`, answers each
 * `reconcile_attempt` from the world, and carries on.
 *
 * Whatever N is, the run completes with the same attempts as a run without
 * a crash: none lost, none doubled, one session per attempt, one prompt per
 * session.
 */
import { assert, assertEquals } from "../testing/assert.ts";
import { decide } from "./decide.ts";
import {
  type ReconcileObservation,
  replayAfterCrash,
  type RunCommand,
  type RunEvent,
} from "./decide_types.ts";
import { checkInvariants } from "./invariants.ts";
import type { RunState } from "./run_state.ts";
import { FEATURE_YAML, newRun, storiesJson } from "./testing/specs.ts";

interface FakeSession {
  id: string;
  title: string;
  prompts: number;
  busy: boolean;
  reply: string | null;
}

/** The fake OpenCode: sessions survive Flock's crash. */
class World {
  readonly sessions = new Map<string, FakeSession>();
  /** Prompts answered per step/story, to script the replies. */
  readonly answered = new Map<string, number>();
  #next = 0;

  create(title: string): string {
    const id = `ses_${++this.#next}`;
    this.sessions.set(id, { id, title, prompts: 0, busy: false, reply: null });
    return id;
  }

  /** Sessions finish their work (e.g. while Flock is down). */
  finishAll(): void {
    for (const session of this.sessions.values()) {
      if (session.busy) this.#finish(session);
    }
  }

  #finish(session: FakeSession): void {
    session.busy = false;
    const key = session.title.split(" · ").slice(1, -1).join("/");
    const nth = (this.answered.get(key) ?? 0) + 1;
    this.answered.set(key, nth);
    session.reply = script(key, nth);
  }

  finish(id: string): void {
    this.#finish(this.sessions.get(id)!);
  }
}

function script(unit: string, nth: number): string {
  if (unit === "plan") {
    return `STATUS: done\nREPO: /r\nBRANCH: b\nSTORIES_JSON: ${storiesJson(2)}`;
  }
  if (unit === "setup") return "STATUS: done\nTEST_CMD: npm test";
  if (unit.startsWith("implement/")) return `STATUS: done\nCHANGES: ${unit}`;
  if (unit === "verify/S-1" && nth === 1) return "STATUS: retry\nISSUES: again";
  return "STATUS: done\nRESULTS: r\nPR: p";
}

/** One thing that happens: the runner carries out a command or delivers an event, or a session finishes. */
type Work =
  | { command: RunCommand }
  | { event: RunEvent }
  | { finish: { sessionId: string; attemptId: string } };

/** Every observation kind recovery met, across all tests (to prove each path ran). */
const OBSERVED = new Set<string>();

class CrashingRunner {
  state: RunState;
  /** The persisted outbox: commands decided but not yet carried out. */
  outbox: RunCommand[] = [];
  queue: Work[] = [];
  clock = 0;
  actions = 0;

  constructor(readonly world: World, state: RunState) {
    this.state = state;
  }

  apply(event: RunEvent): void {
    const decision = decide(this.state, event);
    if (decision.rejected !== null) return;
    assertEquals(checkInvariants(decision.state), [], JSON.stringify(event));
    this.state = decision.state;
    this.outbox.push(...decision.commands);
    this.queue.push(...decision.commands.map((command) => ({ command })));
  }

  /** Runs until idle or until `limit` actions; returns false when it "crashed". */
  run(limit: number): boolean {
    while (this.queue.length > 0) {
      if (this.actions >= limit) return false;
      this.actions++;
      const work = this.queue.shift()!;
      if ("event" in work) {
        this.apply(work.event);
        continue;
      }
      if ("finish" in work) {
        const session = this.world.sessions.get(work.finish.sessionId)!;
        if (session.busy) this.world.finish(session.id);
        this.queue.push({
          event: {
            type: "attempt_finished",
            at: this.at(),
            attemptId: work.finish.attemptId,
            reply: session.reply!,
          },
        });
        continue;
      }
      this.outbox.splice(this.outbox.indexOf(work.command), 1);
      this.queue.push(
        ...this.perform(work.command).map((event) => ({ event })),
      );
    }
    return true;
  }

  at(): number {
    return (this.clock += 1000);
  }

  perform(command: RunCommand): RunEvent[] {
    const at = this.at();
    switch (command.type) {
      case "gather_inputs":
        return [{
          type: "inputs_gathered",
          at,
          attemptId: command.attemptId,
          progress: null,
          hasFrontendChanges: false,
        }];
      case "create_session":
        return [{
          type: "session_created",
          at,
          attemptId: command.attemptId,
          sessionId: this.world.create(command.title),
        }];
      case "send_prompt": {
        const session = this.world.sessions.get(command.sessionId)!;
        session.prompts++;
        session.busy = true;
        // the session finishes as a later, separate action
        this.queue.push({
          event: { type: "prompt_sent", at, attemptId: command.attemptId },
        });
        this.queue.push({
          finish: { sessionId: session.id, attemptId: command.attemptId },
        });
        return [];
      }
      case "reconcile_attempt": {
        const observed = this.observe(command);
        OBSERVED.add(`${command.phase}:${observed.kind}`);
        return [{
          type: "attempt_reconciled",
          at,
          attemptId: command.attemptId,
          observed,
        }];
      }
      case "schedule_timeout":
      case "cancel_timeout":
      case "abort_session":
      case "notify":
        return [];
    }
  }

  observe(
    command: Extract<RunCommand, { type: "reconcile_attempt" }>,
  ): ReconcileObservation {
    const session = command.sessionId !== null
      ? this.world.sessions.get(command.sessionId)
      : [...this.world.sessions.values()].find((s) =>
        s.title.endsWith(` · ${command.attemptId}`)
      );
    if (session === undefined) return { kind: "no_session" };
    if (session.prompts === 0) {
      return { kind: "not_prompted", sessionId: session.id };
    }
    if (session.busy) return { kind: "busy", sessionId: session.id };
    return { kind: "idle", sessionId: session.id, reply: session.reply! };
  }

  /** Flock restarts: in-flight work is gone, the persisted state and outbox remain. */
  restart(): void {
    this.queue = [];
    const replay = this.outbox.filter(replayAfterCrash);
    this.outbox = [];
    this.queue.push(...replay.map((command) => ({ command })));
    this.apply({ type: "recovered", at: this.at() });
    // the finishing of sessions that stay busy after the restart
    for (const session of this.world.sessions.values()) {
      if (session.busy) {
        const attempt = this.state.attempts.find((a) =>
          session.title.endsWith(` · ${a.id}`)
        )!;
        this.queue.push({
          finish: { sessionId: session.id, attemptId: attempt.id },
        });
      }
    }
  }
}

function lines(state: RunState): string[] {
  return state.attempts.map((a) =>
    `${a.id} ${a.step}${a.story ? `/${a.story}` : ""}:${a.outcome}`
  );
}

function baseline(): { runner: CrashingRunner; total: number } {
  const runner = new CrashingRunner(new World(), newRun(FEATURE_YAML));
  runner.apply({ type: "start", at: 0 });
  assert(runner.run(Infinity));
  return { runner, total: runner.actions };
}

Deno.test("without a crash, the fake world runs the feature workflow to completion", () => {
  const { runner, total } = baseline();
  assertEquals(runner.state.status, "completed");
  assertEquals(runner.state.attempts.length, 11);
  assert(total > 50);
});

Deno.test("kill -9 at every point of a run, then a restart: it completes with no attempt lost or doubled", () => {
  const { runner: clean, total } = baseline();
  const expected = lines(clean.state);
  for (const finishWhileDown of [false, true]) {
    for (let crashAt = 0; crashAt <= total; crashAt++) {
      const label = `crash after ${crashAt} actions${
        finishWhileDown ? ", sessions finishing while down" : ""
      }`;
      const world = new World();
      const runner = new CrashingRunner(world, newRun(FEATURE_YAML));
      runner.apply({ type: "start", at: 0 });
      if (!runner.run(crashAt)) {
        if (finishWhileDown) world.finishAll();
        runner.restart();
        assert(runner.run(Infinity), label);
      }
      assertEquals(runner.state.status, "completed", label);
      assertEquals(lines(runner.state), expected, label);
      assertEquals(
        world.sessions.size,
        11,
        `${label}: one session per attempt`,
      );
      for (const session of world.sessions.values()) {
        assertEquals(
          session.prompts,
          1,
          `${label}: ${session.title} prompted once`,
        );
      }
    }
  }
  assertEquals([...OBSERVED].sort(), [
    "creating_session:no_session",
    "creating_session:not_prompted",
    "preparing:no_session",
    "prompting:busy",
    "prompting:idle",
    "prompting:not_prompted",
    "running:busy",
    "running:idle",
  ]);
});

Deno.test("two crashes in a row (one during recovery) still complete the run exactly", () => {
  const { runner: clean, total } = baseline();
  const expected = lines(clean.state);
  for (let first = 0; first <= total; first += 3) {
    for (const second of [1, 2, 4]) {
      const world = new World();
      const runner = new CrashingRunner(world, newRun(FEATURE_YAML));
      runner.apply({ type: "start", at: 0 });
      if (!runner.run(first)) {
        runner.restart();
        if (!runner.run(runner.actions + second)) runner.restart();
        assert(runner.run(Infinity));
      }
      assertEquals(
        lines(runner.state),
        expected,
        `crashes at ${first} and +${second}`,
      );
      assertEquals(world.sessions.size, 11);
    }
  }
});
