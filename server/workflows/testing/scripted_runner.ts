/**
 * A stand-in for the runner in tests: it carries out `decide`'s commands at
 * once (sessions `ses_1`, `ses_2` …) and answers each prompt from a script,
 * checking the run's invariants after every event.
 *
 * @module
 */
import { decide } from "../decide.ts";
import type { Decision, RunCommand, RunEvent } from "../decide_types.ts";
import { checkInvariants } from "../invariants.ts";
import type { RunState } from "../run_state.ts";

/** The attempt a script answers. */
export interface ScriptUnit {
  step: string;
  story: string | null;
  /** 1-based count of attempts of this step (and story) so far. */
  nth: number;
  prompt: string;
  system: string;
  attemptId: string;
}

/** How a scripted session ends. */
export type ScriptedEnd =
  | { reply: string; tokens?: number; cost?: number }
  | { error: string }
  | { timeout: true }
  | { input: string }
  | { hang: true };

/** Answers prompts. */
export type Script = (unit: ScriptUnit) => ScriptedEnd;

/** A record of one event applied. */
export interface Applied {
  event: RunEvent;
  decision: Decision;
}

/** Drives a run through `decide`, playing the runner. */
export class ScriptedRunner {
  state: RunState;
  readonly script: Script;
  readonly applied: Applied[] = [];
  readonly prompts: ScriptUnit[] = [];
  readonly aborted: string[] = [];
  readonly notices: Extract<RunCommand, { type: "notify" }>[] = [];
  readonly sessions: Extract<RunCommand, { type: "create_session" }>[] = [];
  readonly timers = new Map<string, number>();
  /** Reconcile requests left for the test to answer. */
  readonly reconciles: Extract<RunCommand, { type: "reconcile_attempt" }>[] =
    [];
  clock = 0;
  #sessions = 0;
  #nth = new Map<string, number>();

  constructor(state: RunState, script: Script) {
    this.state = state;
    this.script = script;
  }

  /** Applies an event (and everything it leads to); returns its own decision. */
  send(event: RunEvent): Decision {
    const first = this.#apply(event);
    const queue = [...first.commands];
    while (queue.length > 0) {
      const command = queue.shift()!;
      for (const next of this.#perform(command)) {
        queue.push(...this.#apply(next).commands);
      }
    }
    return first;
  }

  /** The next tick of the clock (each event moves it by one second). */
  tick(): number {
    this.clock += 1000;
    return this.clock;
  }

  #apply(event: RunEvent): Decision {
    const decision = decide(this.state, event);
    this.applied.push({ event, decision });
    this.state = decision.state;
    const broken = checkInvariants(this.state);
    if (broken.length > 0) {
      throw new Error(
        `Invariants broken after ${JSON.stringify(event)}: ${
          broken.join("; ")
        }`,
      );
    }
    return decision;
  }

  #perform(command: RunCommand): RunEvent[] {
    const attemptId = "attemptId" in command ? command.attemptId : "";
    switch (command.type) {
      case "gather_inputs":
        return [{
          type: "inputs_gathered",
          at: this.tick(),
          attemptId,
          progress: null,
          hasFrontendChanges: false,
        }];
      case "create_session":
        this.sessions.push(command);
        return [{
          type: "session_created",
          at: this.tick(),
          attemptId,
          sessionId: `ses_${++this.#sessions}`,
        }];
      case "send_prompt":
        return this.#answer(command);
      case "schedule_timeout":
        this.timers.set(attemptId, command.deadline);
        return [];
      case "cancel_timeout":
        this.timers.delete(attemptId);
        return [];
      case "abort_session":
        this.aborted.push(command.sessionId);
        return [];
      case "notify":
        this.notices.push(command);
        return [];
      case "reconcile_attempt":
        this.reconciles.push(command);
        return [];
    }
  }

  #answer(command: Extract<RunCommand, { type: "send_prompt" }>): RunEvent[] {
    const attempt = this.state.attempts.find((a) =>
      a.id === command.attemptId
    )!;
    const key = `${attempt.step}/${attempt.story ?? ""}`;
    const nth = (this.#nth.get(key) ?? 0) + 1;
    this.#nth.set(key, nth);
    const unit: ScriptUnit = {
      step: attempt.step,
      story: attempt.story,
      nth,
      prompt: command.text,
      system: command.system,
      attemptId: attempt.id,
    };
    this.prompts.push(unit);
    const sent: RunEvent = {
      type: "prompt_sent",
      at: this.tick(),
      attemptId: attempt.id,
    };
    const end = this.script(unit);
    if ("hang" in end) return [sent];
    if ("reply" in end) {
      return [sent, {
        type: "attempt_finished",
        at: this.tick(),
        attemptId: attempt.id,
        reply: end.reply,
        ...(end.tokens === undefined ? {} : { tokens: end.tokens }),
        ...(end.cost === undefined ? {} : { cost: end.cost }),
      }];
    }
    if ("error" in end) {
      return [sent, {
        type: "attempt_errored",
        at: this.tick(),
        attemptId: attempt.id,
        message: end.error,
      }];
    }
    if ("input" in end) {
      return [sent, {
        type: "attempt_input_requested",
        at: this.tick(),
        attemptId: attempt.id,
        request: end.input,
      }];
    }
    this.clock += 24 * 3600_000;
    return [sent, {
      type: "attempt_timed_out",
      at: this.clock,
      attemptId: attempt.id,
    }];
  }
}
