/**
 * The runner's ears: OpenCode's events (published in-process by the
 * services' `publish`) become run events the moment they arrive.
 *
 * - `session.idle` of a live attempt's session: its messages are read once
 *   and the final reply judged (`attempt_finished`; for a run in its own
 *   worktree, the attempt's work is committed on its branch first), or the
 *   error reported.
 * - `session.error`: `attempt_errored`.
 * - `permission.asked` / `question.asked`: the run waits for a person
 *   (`attempt_input_requested`, its timeout paused); the last reply to
 *   them resumes it (`attempt_input_answered`).
 * - `instance.sessions` (after a reconnect to a child's events): a live
 *   attempt whose session is idle with a finished reply is judged, so an
 *   idle event missed during the reconnect does not stall the run.
 * - `instance.status`: wakes whatever waits for that instance to run.
 *
 * @module
 */
import type { WireEvent } from "../contract/events.ts";
import { isFlockEvent } from "../contract/event_types.ts";
import { log } from "../log.ts";
import type { RunState } from "../workflows/run_state.ts";
import { liveAttempt } from "../workflows/run_state.ts";
import type { RunCommands } from "./run_commands.ts";
import type { RunnerCore } from "./runner_core.ts";
import { commitAttemptWork } from "./run_workspace.ts";
import {
  describeError,
  describeRequest,
  judgeMessages,
} from "./session_reading.ts";

interface AttemptRef {
  runId: string;
  attemptId: string;
}

const JUDGED_PHASES = ["prompting", "running", "waiting_input"];

/** Routes published events to the runs they concern. */
export class RunEvents {
  #core: RunnerCore;
  #commands: RunCommands;
  #bySession = new Map<string, AttemptRef>();
  #byRun = new Map<string, string>();

  constructor(core: RunnerCore, commands: RunCommands) {
    this.#core = core;
    this.#commands = commands;
  }

  /**
   * Records which session belongs to the run's live attempt (after every
   * change of the run), and tells the run about a request that arrived
   * before its prompt was confirmed.
   */
  index(state: RunState): void {
    this.forget(state);
    const live = liveAttempt(state);
    if (live === null || live.sessionId === null) return;
    const ref = { runId: state.id, attemptId: live.id };
    this.#bySession.set(live.sessionId, ref);
    this.#byRun.set(state.id, live.sessionId);
    const pending = this.#commands.requests.get(live.sessionId);
    const first = pending?.values().next().value;
    if (live.phase === "running" && first !== undefined) {
      this.#send(ref, {
        type: "attempt_input_requested",
        attemptId: live.id,
        request: first,
      });
    }
  }

  /** Drops the run's session from the index (no live attempt any more). */
  forget(state: RunState): void {
    const sessionId = this.#byRun.get(state.id);
    if (sessionId === undefined) return;
    this.#byRun.delete(state.id);
    this.#bySession.delete(sessionId);
  }

  /** Handles one published event. */
  handle(event: WireEvent): void {
    if (!isFlockEvent(event)) return;
    switch (event.type) {
      case "session.idle":
        return this.#idle(event.properties.sessionID, false);
      case "session.error": {
        const sessionId = event.properties.sessionID;
        const ref = sessionId === undefined
          ? undefined
          : this.#bySession.get(sessionId);
        if (ref === undefined) return;
        return this.#send(ref, {
          type: "attempt_errored",
          attemptId: ref.attemptId,
          message: describeError(event.properties.error),
        });
      }
      case "permission.asked":
        return this.#asked(
          event.properties.sessionID,
          event.properties.id,
          describeRequest({ kind: "permission", permission: event.properties }),
        );
      case "question.asked":
        return this.#asked(
          event.properties.sessionID,
          event.properties.id,
          describeRequest({ kind: "question", question: event.properties }),
        );
      case "permission.replied":
      case "question.replied":
      case "question.rejected":
        return this.#answered(
          event.properties.sessionID,
          event.properties.requestID,
        );
      case "instance.status":
        return this.#core.instances.changed(
          event.instance_id,
          event.properties.instance.status,
        );
      case "instance.sessions":
        for (const session of event.properties.sessions) {
          if (session.status === "idle") this.#idle(session.id, true);
        }
        return;
      default:
        return;
    }
  }

  #send(
    ref: AttemptRef,
    event:
      | {
        type: "attempt_errored";
        attemptId: string;
        message: string;
      }
      | { type: "attempt_input_requested"; attemptId: string; request: string }
      | { type: "attempt_input_answered"; attemptId: string }
      | {
        type: "attempt_finished";
        attemptId: string;
        reply: string;
        tokens: number;
        cost: number;
      },
  ): void {
    this.#core.track(
      this.#core.dispatch(ref.runId, { ...event, at: this.#core.clock.now() }),
    );
  }

  #asked(sessionId: string, requestId: string, text: string): void {
    const pending = this.#commands.requests.get(sessionId) ?? new Map();
    pending.set(requestId, text);
    this.#commands.requests.set(sessionId, pending);
    const ref = this.#bySession.get(sessionId);
    if (ref === undefined) return;
    this.#send(ref, {
      type: "attempt_input_requested",
      attemptId: ref.attemptId,
      request: text,
    });
  }

  #answered(sessionId: string, requestId: string): void {
    const pending = this.#commands.requests.get(sessionId);
    pending?.delete(requestId);
    if (pending !== undefined && pending.size > 0) return;
    this.#commands.requests.delete(sessionId);
    const ref = this.#bySession.get(sessionId);
    if (ref === undefined) return;
    this.#send(ref, {
      type: "attempt_input_answered",
      attemptId: ref.attemptId,
    });
  }

  /**
   * The session went idle (or a snapshot says it is): read its messages
   * once and judge the reply. From a snapshot, a session without a
   * finished reply is left alone (its prompt may not have started yet).
   */
  #idle(sessionId: string, fromSnapshot: boolean): void {
    const ref = this.#bySession.get(sessionId);
    if (ref === undefined) return;
    const record = this.#core.record(ref.runId);
    const attempt = record?.state.attempts.find((a) => a.id === ref.attemptId);
    if (
      record === undefined || attempt === undefined ||
      !JUDGED_PHASES.includes(attempt.phase)
    ) {
      return;
    }
    if (!fromSnapshot) this.#core.handoffs.idle(ref.runId);
    this.#core.track((async () => {
      let messages;
      try {
        const sessions = this.#core.host.sessions(record.state.instanceId);
        messages = await this.#core.handoffs.time(
          ref.runId,
          () => sessions.messages(sessionId),
        );
      } catch (error) {
        log.warn(
          `Run ${ref.runId}: cannot read session ${sessionId} after it went idle:`,
          error,
        );
        return;
      }
      const verdict = judgeMessages(messages);
      switch (verdict.kind) {
        case "reply":
          // The branch holds the attempt's work before the run moves on.
          await commitAttemptWork(
            this.#core.worktrees,
            record,
            record.state,
            attempt,
          );
          return this.#send(ref, {
            type: "attempt_finished",
            attemptId: ref.attemptId,
            reply: verdict.reply,
            tokens: verdict.tokens,
            cost: verdict.cost,
          });
        case "error":
          return this.#send(ref, {
            type: "attempt_errored",
            attemptId: ref.attemptId,
            message: verdict.message,
          });
        default:
          if (fromSnapshot) return;
          return this.#send(ref, {
            type: "attempt_errored",
            attemptId: ref.attemptId,
            message: "its session went idle without a finished reply",
          });
      }
    })());
  }
}
