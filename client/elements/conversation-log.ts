import { html, LitElement, nothing, type PropertyValues } from "lit";
import { repeat } from "lit/directives/repeat.js";
import type { MarkJson } from "../../server/contract/marks.ts";
import type { PermissionJson } from "../../server/contract/permissions.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import {
  type ConversationMessage,
  visibleErrors,
} from "../lib/conversation.ts";
import { icon } from "../lib/icons.ts";
import { indexMarks } from "../lib/mark_index.ts";
import { noteRender } from "../lib/render_probe.ts";
import {
  memo,
  NONE,
  permissionsOf,
  stableGroups,
} from "../lib/store/selectors.ts";
import { isSessionWorking } from "../lib/status_style.ts";
import "./message-item.ts";
import "./permission-prompt.ts";

/** How close to the end (px) still counts as "following the conversation". */
const STICK_DISTANCE = 96;

/** Permission requests placed under their message, or loose at the end. */
interface PlacedPermissions {
  byMessage: ReadonlyMap<string, readonly PermissionJson[]>;
  loose: readonly PermissionJson[];
}

const NO_PLACED: PlacedPermissions = { byMessage: new Map(), loose: NONE };
/** No interrupted parts (one object, so an unmarked message keeps it). */
const NO_PARTS: ReadonlySet<string> = new Set();

/**
 * The open session's conversation: messages (one `message-item` each, keyed
 * by id), permission requests that belong to no message, session errors,
 * and the loading / empty / error states. It is its own scroller and stays
 * at the end while the user is there, also when a reply grows between
 * renders (a `ResizeObserver`). Scrolling up leaves the end (only a scroll
 * up does: a growing reply never does) and shows "Jump to latest";
 * {@linkcode scrollToEnd} (after a send, or that button) comes back.
 *
 * It renders when the conversation, the session's status or its permission
 * requests change; a message item renders only when its own message (or its
 * permissions list, or whether it is the working one) changes.
 */
export class ConversationLog extends LitElement {
  static override properties = {
    sessionId: { type: String, attribute: "session-id" },
    _away: { state: true },
  };

  /** The session whose conversation to show. */
  declare sessionId: string;
  /** The user scrolled up, away from the end. */
  declare _away: boolean;

  #view = new StoreSelection(this, (s) => ({
    state: s.conversations.get(this.sessionId),
    status: s.sessions.byId.get(this.sessionId)?.status,
    permissions: permissionsOf(s, this.sessionId),
    marks: s.driving.marks.get(this.sessionId) ?? NONE,
  }));
  /** Flock's marks, by message (interrupted tool parts, aborted replies). */
  #marks = memo((marks: readonly MarkJson[]) => indexMarks(marks));
  #stick = true;
  #lastTop = 0;
  #resize: ResizeObserver | null = null;
  #groups: ReadonlyMap<string, readonly PermissionJson[]> | undefined;
  #place = memo(
    (
      permissions: readonly PermissionJson[],
      messages: readonly ConversationMessage[],
    ): PlacedPermissions => {
      if (permissions.length === 0) return NO_PLACED;
      const ids = new Set(messages.map((m) => m.info.id));
      const byMessage = new Map<string, PermissionJson[]>();
      const loose: PermissionJson[] = [];
      for (const p of permissions) {
        const id = p.tool?.messageID;
        if (id && ids.has(id)) {
          byMessage.set(id, [...byMessage.get(id) ?? [], p]);
        } else loose.push(p);
      }
      this.#groups = stableGroups(this.#groups, byMessage);
      return { byMessage: this.#groups, loose };
    },
  );

  constructor() {
    super();
    this.sessionId = "";
    this._away = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /** Scrolls to the end and keeps following the conversation. */
  scrollToEnd(): void {
    this.#stick = true;
    this._away = false;
    const scroller = this.querySelector<HTMLElement>("[data-scroller]");
    if (scroller) {
      scroller.scrollTop = scroller.scrollHeight;
      this.#lastTop = scroller.scrollTop;
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#resize = new ResizeObserver(() => {
      if (this.#stick) this.scrollToEnd();
    });
    const log = this.querySelector("[role=log]");
    if (log) this.#resize.observe(log);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#resize?.disconnect();
    this.#resize = null;
  }

  protected override firstUpdated(): void {
    const log = this.querySelector("[role=log]");
    if (log) this.#resize?.observe(log);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("sessionId")) {
      this.#stick = true;
      this._away = false;
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    noteRender("conversation-log", this.sessionId);
    // growth is followed by the ResizeObserver (after layout, without
    // forcing one mid-frame); a new session starts at its end
    if (changed.has("sessionId")) this.scrollToEnd();
  }

  #onScroll(event: Event): void {
    const el = event.currentTarget as HTMLElement;
    const near =
      el.scrollHeight - el.scrollTop - el.clientHeight < STICK_DISTANCE;
    const up = el.scrollTop < this.#lastTop - 1;
    this.#lastTop = el.scrollTop;
    if (near) this.#stick = true;
    else if (up) this.#stick = false;
    if (this._away !== !this.#stick) this._away = !this.#stick;
  }

  #renderStates() {
    const state = this.#view.value.state;
    const conversation = state?.conversation;
    return html`
      ${state?.loading && !conversation?.messages.length
        ? html`<p class="text-center text-sm text-gray-400">Loading messages…</p>`
        : nothing}
      ${state?.error
        ? html`<p role="alert" class="rounded-lg bg-red-500/10 p-3 text-sm text-red-300">
          Cannot load messages: ${state.error}
          <button
            type="button"
            class="ml-2 underline"
            @click=${() =>
          void this.#view.store?.loadConversation(this.sessionId, true)}
          >Retry</button>
        </p>`
        : nothing}
      ${conversation && !conversation.messages.length && !state?.loading
        ? html`
          <div class="py-16 text-center">
            <div
              class="mx-auto mb-3 grid size-10 place-items-center rounded-full bg-gray-900 text-gray-400">${icon(
                "message",
              )}</div>
            <p class="text-sm text-gray-400">No messages yet. Say hello below.</p>
          </div>
        `
        : nothing}
    `;
  }

  override render() {
    const { state, status, permissions, marks } = this.#view.value;
    const { interrupted, aborted } = this.#marks(marks);
    const messages = state?.conversation.messages ?? NONE;
    const { byMessage, loose } = this.#place(permissions, messages);
    const working = status !== undefined && isSessionWorking(status);
    const lastId = messages.at(-1)?.info.id;
    const errors = state ? visibleErrors(state.conversation) : NONE;
    return html`
      <div class="relative h-full">
      <div
        data-scroller
        class="h-full overflow-y-auto"
        @scroll=${(e: Event) => this.#onScroll(e)}
      >
        <div
          class="mx-auto flex max-w-3xl flex-col gap-5 px-4 py-6 md:px-6"
          role="log"
          aria-label="Conversation"
          aria-live="off"
        >
              ${this.#renderStates()}
              ${repeat(messages, (m) => m.info.id, (m, i) => {
                const continued = m.info.role === "assistant" &&
                  messages[i - 1]?.info.role === "assistant";
                return html`
                  <message-item
                    class=${continued ? "-mt-3" : ""}
                    .message=${m}
                    .permissions=${byMessage.get(m.info.id) ?? NONE}
                    .interrupted=${interrupted.get(m.info.id) ?? NO_PARTS}
                    ?aborted=${aborted.has(m.info.id)}
                    ?working=${working && m.info.id === lastId}
                    ?continued=${continued}
                  ></message-item>
                `;
              })}
              ${repeat(
                loose,
                (p) => p.id,
                (p) =>
                  html`<permission-prompt class="block" .permission=${p}></permission-prompt>`,
              )}
              ${errors.map((e) =>
                html`
                  <div
                    role="alert"
                    data-session-error=${e.name}
                    class="flex items-start gap-2 rounded-lg border px-3 py-2 text-sm ${e
                        .name === "MessageAbortedError"
                      ? "border-gray-700 bg-gray-800/50 text-gray-300"
                      : "border-red-500/40 bg-red-500/10 text-red-200"}"
                  >${icon("alert", "mt-0.5 size-4 shrink-0")} <span>${e.name ===
                      "MessageAbortedError"
                    ? "Aborted"
                    : `${e.name}: ${e.message}`}</span></div>
                `
              )}
            </div>
      </div>
      ${this._away
        ? html`
          <button
            type="button"
            data-jump-latest
            class="absolute bottom-3 left-1/2 inline-flex min-h-11 -translate-x-1/2 items-center gap-1.5 rounded-full bg-gray-800 px-4 text-sm text-gray-100 shadow-lg shadow-black/50 ring-1 ring-gray-700 hover:bg-gray-700 focus-visible:outline-2 focus-visible:outline-indigo-400 md:min-h-9"
            @click=${() => this.scrollToEnd()}
          >${icon("chevron", "size-3.5 rotate-90")} Jump to latest</button>
        `
        : nothing}
      </div>
    `;
  }
}

customElements.define("conversation-log", ConversationLog);

declare global {
  interface HTMLElementTagNameMap {
    "conversation-log": ConversationLog;
  }
}
