/**
 * An in-memory OpenCode for the runner's unit tests: sessions, prompts,
 * replies, errors, permission requests, aborts and restarts, with the
 * events OpenCode would send published through Flock's own `publish` (so
 * the runner hears them exactly as in production). Replies come from a
 * script; a held prompt waits until the test finishes it.
 *
 * @module
 */
import type { WireEvent } from "../../contract/events.ts";
import type {
  OpenCodeMessageWithParts,
  OpenCodePermission,
  OpenCodeSession,
} from "../../contract/opencode.ts";
import type { InstanceJson } from "../../contract/instances.ts";
import { OpenCodeHttpError } from "../../opencode/opencode_errors.ts";
import {
  assistantMessage,
  flockEvent,
  openCodeSession,
  textPart,
  userMessage,
} from "../../testing/event_fixtures.ts";
import type { AttemptSessions, RunHost } from "../instance_access.ts";

/** How a scripted prompt ends. */
export type WorldEnd =
  | { reply: string; tokens?: number; cost?: number }
  | { error: string }
  | { permission: string }
  | { hold: true };

/** One prompt the world received. */
export interface WorldPrompt {
  sessionId: string;
  title: string;
  text: string;
  system: string;
}

/** Answers a prompt; `nth` counts prompts with the same session title stem. */
export type WorldScript = (prompt: WorldPrompt, nth: number) => WorldEnd;

interface FakeSession {
  session: OpenCodeSession;
  messages: OpenCodeMessageWithParts[];
  busy: boolean;
  permission: unknown;
}

/** See the module documentation. */
export class FakeWorld implements AttemptSessions {
  readonly instanceId: string;
  readonly sessions = new Map<string, FakeSession>();
  readonly prompts: WorldPrompt[] = [];
  readonly aborts: string[] = [];
  /** Every session created: its title, rules and directory (null: the instance's). */
  readonly created: {
    title: string;
    permission: unknown;
    directory: string | null;
  }[] = [];
  permissions: OpenCodePermission[] = [];
  /** Where the world's events go (the services' `publish`). */
  emit: (event: WireEvent) => void = () => {};
  script: WorldScript;
  #next = 0;
  #nth = new Map<string, number>();
  #instance: InstanceJson;

  constructor(instance: InstanceJson, script: WorldScript) {
    this.instanceId = instance.id;
    this.#instance = instance;
    this.script = script;
  }

  /** The host a runner uses to reach this world. */
  get host(): RunHost {
    return {
      sessions: () => this,
      instance: (id) => id === this.instanceId ? this.#instance : undefined,
      startInstance: () => {},
    };
  }

  createSession(
    input: { title?: string; permission?: unknown } = {},
    options: { directory?: string | undefined } = {},
  ): Promise<OpenCodeSession> {
    const id = `ses_w${++this.#next}`;
    const session = openCodeSession({ id, title: input.title ?? "" });
    this.sessions.set(id, {
      session,
      messages: [],
      busy: false,
      permission: input.permission,
    });
    this.created.push({
      title: session.title,
      permission: input.permission ?? null,
      directory: options.directory ?? null,
    });
    this.emit(flockEvent("session.created", { sessionID: id, info: session }));
    return Promise.resolve(session);
  }

  promptAsync(
    id: string,
    input: { text: string; system?: string },
  ): Promise<void> {
    const fake = this.#get(id);
    const n = fake.messages.length;
    fake.messages.push({
      info: userMessage(`msg_${id}_${n}`, id),
      parts: [textPart(`prt_${id}_${n}`, `msg_${id}_${n}`, id, input.text)],
    });
    fake.busy = true;
    const prompt: WorldPrompt = {
      sessionId: id,
      title: fake.session.title,
      text: input.text,
      system: input.system ?? "",
    };
    this.prompts.push(prompt);
    const stem = fake.session.title.replace(/ · [^·]*$/, "");
    const nth = (this.#nth.get(stem) ?? 0) + 1;
    this.#nth.set(stem, nth);
    const end = this.script(prompt, nth);
    queueMicrotask(() => this.#play(id, end));
    return Promise.resolve();
  }

  #play(id: string, end: WorldEnd): void {
    if ("hold" in end) return;
    if ("reply" in end) return this.finish(id, end.reply, end);
    if ("error" in end) return this.fail(id, end.error);
    const permission: OpenCodePermission = {
      id: `per_${id}`,
      sessionID: id,
      permission: end.permission,
      patterns: ["*"],
      metadata: {},
      always: [],
    };
    this.permissions.push(permission);
    this.emit(flockEvent("permission.asked", permission));
  }

  /** Ends the session's turn with a reply (the session goes idle). */
  finish(
    id: string,
    reply: string,
    usage: { tokens?: number; cost?: number } = {},
  ): void {
    const fake = this.#get(id);
    const n = fake.messages.length;
    fake.messages.push({
      info: assistantMessage(`msg_${id}_${n}`, id, {
        time: { created: 2, completed: 3 },
        cost: usage.cost ?? 0,
        tokens: {
          input: usage.tokens ?? 0,
          output: 0,
          reasoning: 0,
          cache: { read: 0, write: 0 },
        },
      }),
      parts: [textPart(`prt_${id}_${n}`, `msg_${id}_${n}`, id, reply)],
    });
    fake.busy = false;
    this.emit(flockEvent("session.idle", { sessionID: id }));
  }

  /** Ends the session's turn with an error. */
  fail(id: string, name: string): void {
    const fake = this.#get(id);
    const n = fake.messages.length;
    const error = { name: "UnknownError" as const, data: { message: name } };
    fake.messages.push({
      info: assistantMessage(`msg_${id}_${n}`, id, {
        time: { created: 2, completed: 3 },
        error,
      }),
      parts: [],
    });
    fake.busy = false;
    this.emit(flockEvent("session.error", { sessionID: id, error }));
    this.emit(flockEvent("session.idle", { sessionID: id }));
  }

  /** A person answers the session's permission request. */
  reply(id: string): void {
    const request = this.permissions.find((p) => p.sessionID === id);
    if (request === undefined) throw new Error(`No request in ${id}`);
    this.permissions = this.permissions.filter((p) => p !== request);
    this.emit(flockEvent("permission.replied", {
      sessionID: id,
      requestID: request.id,
      reply: "once",
    }));
  }

  /**
   * OpenCode restarts: busy sessions stop where they are (their reply cut
   * off, as a killed OpenCode leaves it), pending requests vanish.
   */
  restart(): void {
    for (const [id, fake] of this.sessions) {
      if (!fake.busy) continue;
      fake.busy = false;
      const n = fake.messages.length;
      fake.messages.push({
        info: assistantMessage(`msg_${id}_${n}`, id),
        parts: [textPart(`prt_${id}_${n}`, `msg_${id}_${n}`, id, "half")],
      });
    }
    this.permissions = [];
  }

  #get(id: string): FakeSession {
    const fake = this.sessions.get(id);
    if (fake === undefined) {
      throw new OpenCodeHttpError(404, `Session not found: ${id}`, "GET");
    }
    return fake;
  }

  abort(id: string): Promise<boolean> {
    this.aborts.push(id);
    const fake = this.#get(id);
    if (fake.busy) this.fail(id, "MessageAbortedError");
    return Promise.resolve(true);
  }

  getSession(id: string): Promise<OpenCodeSession> {
    return Promise.resolve(this.#get(id).session);
  }

  listSessions(): Promise<OpenCodeSession[]> {
    return Promise.resolve([...this.sessions.values()].map((s) => s.session));
  }

  sessionStatus(): Promise<Record<string, { type: "busy" }>> {
    const busy: Record<string, { type: "busy" }> = {};
    for (const [id, fake] of this.sessions) {
      if (fake.busy) busy[id] = { type: "busy" };
    }
    return Promise.resolve(busy);
  }

  messages(id: string): Promise<OpenCodeMessageWithParts[]> {
    return Promise.resolve([...this.#get(id).messages]);
  }

  listPermissions(): Promise<OpenCodePermission[]> {
    return Promise.resolve([...this.permissions]);
  }

  listQuestions(): Promise<never[]> {
    return Promise.resolve([]);
  }
}
