/**
 * Every pending permission request and question of every instance, kept
 * from the published events by the contract's `pendingChangeOf` (the rules
 * the page's store follows too), and replaced from OpenCode's own lists
 * after each (re)connect (`instance.pending`). The API lists requests and
 * routes answers from here, so it never asks every child: an answer goes
 * straight to the instance that holds the request.
 *
 * In memory: when Flock starts, no child runs, so nothing is pending;
 * every (re)connect fills it again.
 *
 * @module
 */
import type { InstancePendingEvent, WireEvent } from "../contract/events.ts";
import type {
  OpenCodePermission,
  OpenCodeQuestion,
} from "../contract/opencode.ts";
import { pendingChangeOf } from "../contract/pending.ts";
import type { PermissionJson } from "../contract/permissions.ts";
import type { QuestionJson } from "../contract/questions.ts";

interface Held<T> {
  instanceId: string;
  request: T;
}

/** Which requests to list. */
export interface PendingFilter {
  /** Only the requests of this session (exactly). */
  sessionId?: string;
  /** Only the requests that roll up to this top-level session. */
  rootSessionId?: string;
}

/** See the module documentation. */
export class PendingIndex {
  #permissions = new Map<string, Held<OpenCodePermission>>();
  #questions = new Map<string, Held<OpenCodeQuestion>>();
  #rootOf: (sessionId: string) => string;

  /**
   * @param rootOf The top-level session of a session (itself for a root).
   */
  constructor(rootOf: (sessionId: string) => string) {
    this.#rootOf = rootOf;
  }

  /** Applies one published event. */
  apply(event: WireEvent): void {
    const change = pendingChangeOf(event);
    if (!change) return;
    switch (change.kind) {
      case "ask-permission":
        this.#permissions.set(change.request.id, {
          instanceId: change.instanceId,
          request: change.request,
        });
        return;
      case "ask-question":
        this.#questions.set(change.request.id, {
          instanceId: change.instanceId,
          request: change.request,
        });
        return;
      case "remove":
        this.#permissions.delete(change.requestId);
        this.#questions.delete(change.requestId);
        return;
      case "forget-session":
        this.#drop((held) => held.request.sessionID === change.sessionId);
        return;
      case "clear":
        this.#drop((held) => held.instanceId === change.instanceId);
        return;
      case "replace":
        this.#drop((held) => held.instanceId === change.instanceId);
        for (
          const { instance_id, root_session_id: _, ...request } of change
            .permissions
        ) {
          this.#permissions.set(request.id, {
            instanceId: instance_id,
            request,
          });
        }
        for (
          const { instance_id, root_session_id: _, ...request } of change
            .questions
        ) {
          this.#questions.set(request.id, { instanceId: instance_id, request });
        }
        return;
    }
  }

  /**
   * The `instance.pending` event for what an instance's OpenCode reported
   * after a (re)connect. Publish it; applying it replaces the instance's
   * requests.
   */
  snapshot(
    instanceId: string,
    permissions: readonly OpenCodePermission[],
    questions: readonly OpenCodeQuestion[],
  ): InstancePendingEvent {
    return {
      type: "instance.pending",
      instance_id: instanceId,
      properties: {
        permissions: permissions.map((p) =>
          this.#permissionJson(instanceId, p)
        ),
        questions: questions.map((q) => this.#questionJson(instanceId, q)),
      },
    };
  }

  /** The pending permission requests, oldest first. */
  permissions(filter: PendingFilter = {}): PermissionJson[] {
    return [...this.#permissions.values()]
      .map(({ instanceId, request }) =>
        this.#permissionJson(instanceId, request)
      )
      .filter((p) => this.#matches(p.sessionID, p.root_session_id, filter));
  }

  /** The pending questions, oldest first. */
  questions(filter: PendingFilter = {}): QuestionJson[] {
    return [...this.#questions.values()]
      .map(({ instanceId, request }) => this.#questionJson(instanceId, request))
      .filter((q) => this.#matches(q.sessionID, q.root_session_id, filter));
  }

  /** One pending permission request, or undefined. */
  permission(id: string): PermissionJson | undefined {
    const held = this.#permissions.get(id);
    return held && this.#permissionJson(held.instanceId, held.request);
  }

  /** One pending question, or undefined. */
  question(id: string): QuestionJson | undefined {
    const held = this.#questions.get(id);
    return held && this.#questionJson(held.instanceId, held.request);
  }

  /** Forgets one request at once (answered through Flock). */
  forget(id: string): void {
    this.#permissions.delete(id);
    this.#questions.delete(id);
  }

  #matches(
    sessionId: string,
    rootSessionId: string | undefined,
    filter: PendingFilter,
  ): boolean {
    if (filter.sessionId !== undefined && sessionId !== filter.sessionId) {
      return false;
    }
    return filter.rootSessionId === undefined ||
      rootSessionId === filter.rootSessionId;
  }

  #permissionJson(
    instanceId: string,
    request: OpenCodePermission,
  ): PermissionJson {
    return {
      ...request,
      instance_id: instanceId,
      root_session_id: this.#rootOf(request.sessionID),
    };
  }

  #questionJson(instanceId: string, request: OpenCodeQuestion): QuestionJson {
    return {
      ...request,
      instance_id: instanceId,
      root_session_id: this.#rootOf(request.sessionID),
    };
  }

  #drop(test: (held: Held<{ sessionID: string }>) => boolean): void {
    for (const [id, held] of this.#permissions) {
      if (test(held)) this.#permissions.delete(id);
    }
    for (const [id, held] of this.#questions) {
      if (test(held)) this.#questions.delete(id);
    }
  }
}
