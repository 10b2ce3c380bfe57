/**
 * Carrying out `decide`'s commands: gathering repository inputs, creating
 * an attempt's session (with its role's permission ruleset), sending its
 * prompt (`prompt_async`, the agent's files as `system`), aborting, role
 * timeouts on the injected clock, reconciling after a restart, and
 * notifying. Each result goes back to the run as an event, and each
 * command leaves the outbox once done.
 *
 * @module
 */
import type { RunNoticeEvent } from "../contract/workflows.ts";
import type { PendingCommand, RunRecord } from "../db/run_store.ts";
import { log } from "../log.ts";
import { OpenCodeHttpError } from "../opencode/opencode_errors.ts";
import type {
  ReconcileObservation,
  RunCommand,
} from "../workflows/decide_types.ts";
import { toRunSummaryJson } from "../workflows/run_json.ts";
import { agentSpec, agentStepSpec } from "../workflows/run_state.ts";
import type { AttemptSessions } from "./instance_access.ts";
import { hasFrontendChanges } from "./repo_inputs.ts";
import { readyWorktree } from "./run_workspace.ts";
import type { RunnerCore } from "./runner_core.ts";
import { observeAttempt } from "./attempt_observer.ts";
import { judgeMessages } from "./session_reading.ts";

type CommandOf<T extends RunCommand["type"]> = Extract<RunCommand, { type: T }>;

/** How long a run waits for its instance to run before an attempt fails. */
export const INSTANCE_WAIT_MS = 120_000;

/** The time limit of `prompt_async` (a cold OpenCode can take long to accept). */
export const PROMPT_TIMEOUT_MS = 60_000;

/** Pending permission/question requests per session, kept from events and reconciliation. */
export type PendingRequests = Map<string, Map<string, string>>;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `provider/model` → OpenCode's model field; anything else is left to the instance. */
export function modelOf(
  model: string | null,
): { providerID: string; modelID: string } | undefined {
  const slash = model?.indexOf("/") ?? -1;
  if (model === null || slash <= 0 || slash === model.length - 1) {
    return undefined;
  }
  return { providerID: model.slice(0, slash), modelID: model.slice(slash + 1) };
}

/** Performs the commands of runs. */
export class RunCommands {
  #core: RunnerCore;
  #notify: (event: RunNoticeEvent) => void;
  #timers = new Map<string, AbortController>();
  /** Requests seen per session (filled by `run_events.ts` and reconciliation). */
  readonly requests: PendingRequests = new Map();

  constructor(core: RunnerCore, notify: (event: RunNoticeEvent) => void) {
    this.#core = core;
    this.#notify = notify;
  }

  /**
   * Carries out commands in order: timers and notices at once, OpenCode
   * and repository work in the background.
   */
  perform(
    record: RunRecord,
    commands: readonly PendingCommand[],
    options: { replay?: boolean } = {},
  ): void {
    for (const pending of commands) {
      const done = () => this.#core.confirm(pending.seq);
      const { command } = pending;
      switch (command.type) {
        case "schedule_timeout":
          this.#schedule(record.state.id, command);
          done();
          continue;
        case "cancel_timeout":
          this.#timers.get(command.attemptId)?.abort();
          this.#timers.delete(command.attemptId);
          done();
          continue;
        case "notify":
          this.#publishNotice(record, command);
          done();
          continue;
        default:
          this.#core.track(
            this.#background(record, command, options.replay ?? false).then(
              done,
            ),
          );
      }
    }
  }

  /** Cancels every timer. */
  close(): void {
    for (const timer of this.#timers.values()) timer.abort();
    this.#timers.clear();
  }

  async #background(
    record: RunRecord,
    command: Exclude<
      RunCommand,
      { type: "schedule_timeout" | "cancel_timeout" | "notify" }
    >,
    replay: boolean,
  ): Promise<void> {
    switch (command.type) {
      case "gather_inputs":
        return await this.#gather(record, command);
      case "create_session":
        return await this.#createSession(record, command);
      case "send_prompt":
        return await this.#sendPrompt(record, command);
      case "abort_session":
        return await this.#abort(record, command, replay);
      case "reconcile_attempt":
        return await this.#reconcile(record, command);
    }
  }

  #runId(record: RunRecord): string {
    return record.state.id;
  }

  /** A run in its own worktree works there (OpenCode's per-directory routes). */
  #directory(record: RunRecord): { directory?: string } {
    return record.worktree === null ? {} : { directory: record.directory };
  }

  async #sessions(record: RunRecord, limitMs?: number) {
    return await this.#core.instances.sessions(
      record.state.instanceId,
      this.#core.signal,
      limitMs,
    );
  }

  async #errored(record: RunRecord, attemptId: string, text: string) {
    await this.#core.dispatch(this.#runId(record), {
      type: "attempt_errored",
      at: this.#core.clock.now(),
      attemptId,
      message: text,
    });
  }

  async #gather(record: RunRecord, command: CommandOf<"gather_inputs">) {
    const { repo } = this.#core;
    let progress: string | null = null;
    let frontend = false;
    try {
      if (command.needs.includes("progress")) {
        progress = await repo.progress(record.directory, record.state.id);
      }
      if (command.needs.includes("has_frontend_changes")) {
        frontend = await hasFrontendChanges(
          repo,
          record.directory,
          record.baseCommit,
        );
      }
    } catch (error) {
      log.warn(
        `Run ${record.state.id}: cannot read the repository inputs in ${record.directory}:`,
        error,
      );
    }
    await this.#core.dispatch(this.#runId(record), {
      type: "inputs_gathered",
      at: this.#core.clock.now(),
      attemptId: command.attemptId,
      progress,
      hasFrontendChanges: frontend,
    });
  }

  async #createSession(
    record: RunRecord,
    command: CommandOf<"create_session">,
  ) {
    let sessionId: string;
    try {
      const state = this.#core.record(record.state.id)?.state ?? record.state;
      const gone = await readyWorktree(this.#core.worktrees, record, state);
      if (gone !== null) {
        // Retrying cannot mend it: the step is given up with the reason.
        await this.#core.dispatch(this.#runId(record), {
          type: "attempt_errored",
          at: this.#core.clock.now(),
          attemptId: command.attemptId,
          message: gone,
          giveUp: true,
        });
        return;
      }
      const sessions = await this.#sessions(record, INSTANCE_WAIT_MS);
      const session = await this.#core.handoffs.time(
        this.#runId(record),
        () =>
          sessions.createSession({
            title: command.title,
            permission: command.permission,
          }, { timeoutMs: PROMPT_TIMEOUT_MS, ...this.#directory(record) }),
      );
      sessionId = session.id;
    } catch (error) {
      if (this.#core.signal.aborted) return;
      return await this.#errored(
        record,
        command.attemptId,
        `Cannot create the session: ${message(error)}`,
      );
    }
    await this.#core.dispatch(this.#runId(record), {
      type: "session_created",
      at: this.#core.clock.now(),
      attemptId: command.attemptId,
      sessionId,
    });
  }

  async #sendPrompt(record: RunRecord, command: CommandOf<"send_prompt">) {
    const runId = this.#runId(record);
    const state = this.#core.record(runId)?.state ?? record.state;
    const attempt = state.attempts.find((a) => a.id === command.attemptId);
    const agent = attempt === undefined
      ? undefined
      : agentSpec(state, agentStepSpec(state, attempt.step).agent);
    const model = modelOf(agent?.model ?? null);
    let sessions: AttemptSessions;
    try {
      sessions = await this.#sessions(record, INSTANCE_WAIT_MS);
      const prompting = sessions;
      await this.#core.handoffs.time(
        runId,
        () =>
          prompting.promptAsync(command.sessionId, {
            text: command.text,
            system: command.system,
            ...(model === undefined ? {} : { model }),
          }, { timeoutMs: PROMPT_TIMEOUT_MS }),
      );
    } catch (error) {
      if (this.#core.signal.aborted) return;
      // The prompt may have landed although the answer did not come back.
      if (!(await this.#landed(record, command.sessionId))) {
        return await this.#errored(
          record,
          command.attemptId,
          `Cannot send the prompt: ${message(error)}`,
        );
      }
    }
    this.#core.handoffs.accepted(runId);
    const decision = await this.#core.dispatch(runId, {
      type: "prompt_sent",
      at: this.#core.clock.now(),
      attemptId: command.attemptId,
    });
    if (decision !== null && decision.rejected !== null) {
      // The attempt ended while its prompt went out (stopped, retried):
      // its session must not work on unattended.
      await this.#abortSession(record, command.sessionId);
    }
  }

  async #landed(record: RunRecord, sessionId: string): Promise<boolean> {
    try {
      const sessions = await this.#sessions(record, INSTANCE_WAIT_MS);
      const verdict = judgeMessages(await sessions.messages(sessionId));
      return verdict.kind !== "not_prompted";
    } catch {
      return false;
    }
  }

  async #abortSession(record: RunRecord, sessionId: string): Promise<void> {
    const row = this.#core.host.instance(record.state.instanceId);
    // A stopped OpenCode runs no session: nothing to abort.
    if (row?.status !== "running") return;
    try {
      await this.#core.host.sessions(record.state.instanceId).abort(sessionId);
    } catch (error) {
      if (error instanceof OpenCodeHttpError && error.status === 404) return;
      log.warn(
        `Run ${record.state.id}: cannot abort session ${sessionId}:`,
        error,
      );
    }
  }

  async #abort(
    record: RunRecord,
    command: CommandOf<"abort_session">,
    replay: boolean,
  ) {
    if (replay) {
      log.info(
        `Run ${record.state.id}: replaying the abort of session ${command.sessionId}`,
      );
    }
    await this.#abortSession(record, command.sessionId);
  }

  #schedule(runId: string, command: CommandOf<"schedule_timeout">): void {
    this.#timers.get(command.attemptId)?.abort();
    const timer = new AbortController();
    this.#timers.set(command.attemptId, timer);
    const { clock } = this.#core;
    const wait = Math.max(0, command.deadline - clock.now());
    this.#core.track(
      clock.sleep(wait, timer.signal).then(async (elapsed) => {
        if (!elapsed || this.#core.signal.aborted) return;
        this.#timers.delete(command.attemptId);
        await this.#core.dispatch(runId, {
          type: "attempt_timed_out",
          at: Math.max(clock.now(), command.deadline),
          attemptId: command.attemptId,
        });
      }),
    );
  }

  #publishNotice(record: RunRecord, command: CommandOf<"notify">): void {
    const state = this.#core.record(record.state.id)?.state ?? record.state;
    this.#notify({
      type: "run.notice",
      instance_id: state.instanceId,
      properties: {
        run_id: state.id,
        key: command.key,
        kind: command.kind,
        step: command.step,
        story: command.story,
        reason: command.reason,
        run: toRunSummaryJson(state),
      },
    });
  }

  async #reconcile(
    record: RunRecord,
    command: CommandOf<"reconcile_attempt">,
  ) {
    let observed: ReconcileObservation;
    try {
      // Awaited as long as it takes: a run cannot move before it knows.
      const sessions = await this.#sessions(record);
      observed = await observeAttempt(
        sessions,
        command,
        this.requests,
        this.#directory(record).directory,
      );
    } catch (error) {
      if (this.#core.signal.aborted) return;
      log.error(
        `Run ${record.state.id}: cannot reconcile attempt ${command.attemptId}:`,
        error,
      );
      return;
    }
    await this.#core.dispatch(this.#runId(record), {
      type: "attempt_reconciled",
      at: this.#core.clock.now(),
      attemptId: command.attemptId,
      observed,
    });
  }
}
