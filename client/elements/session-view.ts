import { html, LitElement, nothing, type PropertyValues } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { ContextConsumer } from "@lit/context";
import type { PermissionJson } from "../../server/contract/permissions.ts";
import {
  apiContext,
  storeContext,
  streamContext,
} from "../controllers/contexts.ts";
import { ContextSubscription } from "../controllers/context_subscription.ts";
import { visibleErrors } from "../lib/conversation.ts";
import { basename } from "../lib/format.ts";
import { icon } from "../lib/icons.ts";
import { isSessionWorking, sessionStatusLabel } from "../lib/status_style.ts";
import type { ConfirmDialog } from "./confirm-dialog.ts";
import "./confirm-dialog.ts";
import "./message-item.ts";
import "./permission-prompt.ts";

/** Unsent text per session, kept while switching sessions. */
const drafts = new Map<string, string>();

const clock = (ms: number) =>
  new Date(ms).toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The open session: header (title, rename, delete, status), the
 * conversation, the working / retry bar with abort, and the composer
 * (Ctrl/Cmd+Enter sends).
 */
export class SessionView extends LitElement {
  static override properties = {
    sessionId: { type: String, attribute: "session-id" },
    _renaming: { state: true },
    _sending: { state: true },
    _error: { state: true },
  };

  /** The session to show. */
  declare sessionId: string;
  declare _renaming: boolean;
  declare _sending: boolean;
  declare _error: string | null;

  #store = new ContextSubscription(this, storeContext);
  #api = new ContextConsumer(this, { context: apiContext });
  #stream = new ContextSubscription(this, streamContext);
  #stick = true;
  #loadRequested = "";

  constructor() {
    super();
    this.sessionId = "";
    this._renaming = false;
    this._sending = false;
    this._error = null;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("sessionId")) {
      this.#stick = true;
      this._renaming = false;
      this._error = null;
    }
    const store = this.#store.value;
    if (
      store?.ready && this.sessionId &&
      this.#loadRequested !== this.sessionId &&
      store.sessions.has(this.sessionId)
    ) {
      this.#loadRequested = this.sessionId;
      void store.loadConversation(this.sessionId);
    }
    const scroller = this.querySelector<HTMLElement>("[data-scroller]");
    if (scroller && !changed.has("sessionId")) {
      this.#stick = scroller.scrollHeight - scroller.scrollTop -
          scroller.clientHeight < 96;
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has("sessionId")) {
      const textarea = this.querySelector<HTMLTextAreaElement>("textarea");
      if (textarea) textarea.value = drafts.get(this.sessionId) ?? "";
    }
    if (this.#stick) void this.#scrollToEnd();
  }

  /** Scrolls to the newest message once the message elements rendered. */
  async #scrollToEnd(): Promise<void> {
    await Promise.all(
      [...this.querySelectorAll("message-item")].map((m) => m.updateComplete),
    );
    const scroller = this.querySelector<HTMLElement>("[data-scroller]");
    if (scroller) scroller.scrollTop = scroller.scrollHeight;
  }

  async #send(): Promise<void> {
    const textarea = this.querySelector<HTMLTextAreaElement>("textarea");
    const api = this.#api.value;
    const text = textarea?.value.trim() ?? "";
    if (!textarea || !api || text === "" || this._sending) return;
    const sessionId = this.sessionId;
    this._sending = true;
    this._error = null;
    try {
      await api.sendMessage(sessionId, { text });
      drafts.delete(sessionId);
      if (this.sessionId === sessionId) textarea.value = "";
      this.#stick = true;
    } catch (error) {
      this._error = `Cannot send: ${messageOf(error)}`;
    } finally {
      this._sending = false;
    }
    await this.updateComplete;
    this.querySelector<HTMLTextAreaElement>("textarea")?.focus();
  }

  async #abort(): Promise<void> {
    try {
      await this.#api.value?.abortSession(this.sessionId);
    } catch (error) {
      this._error = `Cannot stop: ${messageOf(error)}`;
    }
  }

  async #rename(title: string): Promise<void> {
    const api = this.#api.value;
    const store = this.#store.value;
    if (!this._renaming) return;
    this._renaming = false;
    const session = store?.sessions.get(this.sessionId);
    if (!api || !store || !session || title === "" || title === session.title) {
      return;
    }
    try {
      store.upsertSession(await api.renameSession(this.sessionId, title));
    } catch (error) {
      this._error = `Cannot rename: ${messageOf(error)}`;
    }
  }

  async #delete(): Promise<void> {
    const store = this.#store.value;
    const session = store?.sessions.get(this.sessionId);
    const confirm = this.querySelector<ConfirmDialog>("confirm-dialog");
    if (!store || !session || !confirm) return;
    const ok = await confirm.ask({
      title: "Delete session?",
      message: `“${
        session.title || "Untitled"
      }” and its messages will be deleted. This cannot be undone.`,
      confirmLabel: "Delete",
      danger: true,
    });
    if (!ok) return;
    try {
      await this.#api.value?.deleteSession(session.id);
      store.removeSession(session.id);
      location.hash = "#/";
    } catch (error) {
      this._error = `Cannot delete: ${messageOf(error)}`;
    }
  }

  #onKeydown(event: KeyboardEvent): void {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void this.#send();
    }
  }

  #renderHeader() {
    const store = this.#store.value!;
    const session = store.sessions.get(this.sessionId)!;
    const instance = store.instances.get(session.instance_id);
    const working = isSessionWorking(session.status);
    const iconButton =
      "grid size-8 place-items-center rounded-md text-gray-400 hover:bg-gray-800 hover:text-gray-100 focus-visible:outline-2 focus-visible:outline-indigo-400";
    return html`
      <header
        class="flex items-center gap-3 border-b border-gray-800/80 px-4 py-3 md:px-6"
      >
        <div class="min-w-0 flex-1">
              ${this._renaming
                ? html`
                  <input
                    class="w-full rounded-md border border-indigo-500 bg-gray-900 px-2 py-1 text-base font-semibold text-gray-100 outline-none"
                    aria-label="Session title"
                    .value=${session.title}
                    @keydown=${(e: KeyboardEvent) => {
                      const input = e.currentTarget as HTMLInputElement;
                      if (e.key === "Enter") {
                        void this.#rename(
                          input.value.trim(),
                        );
                      }
                      if (e.key === "Escape") this._renaming = false;
                    }}
                    @blur=${(e: FocusEvent) =>
                      void this.#rename(
                        (e.currentTarget as HTMLInputElement).value.trim(),
                      )}
                  />
                `
                : html`
                  <h1
                    data-session-title
                    class="truncate text-base font-semibold text-gray-100"
                  >${session.title || "Untitled session"}</h1>
                `}
              <p class="truncate text-xs text-gray-500">
                ${instance
                  ? html`${
                    instance.name || basename(instance.working_directory)
                  } ·
              <span class="font-mono">${instance.working_directory}</span>`
                  : nothing}
              </p>
            </div>
        <span
          data-session-status=${session.status}
          class="hidden shrink-0 items-center gap-1.5 rounded-full px-2 py-0.5 text-xs sm:inline-flex ${working
            ? "bg-sky-500/10 text-sky-300"
            : "bg-gray-800 text-gray-400"}"
        >
              <span class="size-1.5 rounded-full ${working
                ? "animate-pulse bg-sky-400"
                : "bg-gray-500"}"></span>
              ${working ? "Working" : "Idle"}
            </span>
        <button
          type="button"
          class=${iconButton}
          aria-label="Rename session"
          title="Rename"
          @click=${async () => {
            this._renaming = true;
            await this.updateComplete;
            const input = this.querySelector<HTMLInputElement>("header input");
            input?.focus();
            input?.select();
          }}
        >${icon("pencil")}</button>
        <button
          type="button"
          class="${iconButton} hover:text-red-300"
          aria-label="Delete session"
          title="Delete"
          @click=${() => void this.#delete()}
        >${icon("trash")}</button>
      </header>
    `;
  }

  override render() {
    const store = this.#store.value;
    if (!store) return nothing;
    const session = store.sessions.get(this.sessionId);
    if (!session) {
      const offline = this.#stream.value?.status === "offline";
      return html`
        <div class="grid h-full place-items-center p-8 text-center">
          <div class="max-w-sm">
                  <p class="text-gray-300">${store.ready
                    ? "This session does not exist (any more)."
                    : offline
                    ? "Flock is offline"
                    : store.loadError ?? "Loading…"}</p>
                  ${!store.ready && offline
                    ? html`<p class="mt-2 text-sm text-gray-500">
                      The Flock server cannot be reached. This page reconnects
                      by itself and shows the session when it is back.
                    </p>`
                    : nothing}
                  ${store.ready
                    ? html`
                      <a href="#/"
                        class="mt-3 inline-block text-sm text-indigo-300 hover:underline">Back to the overview</a>
                    `
                    : nothing}
                </div>
        </div>
      `;
    }
    const instance = store.instances.get(session.instance_id);
    const running = instance?.status === "running";
    const state = store.conversations.get(this.sessionId);
    const conversation = state?.conversation;
    const permissions = store.permissionsOf(this.sessionId);
    const byMessage = new Map<string, PermissionJson[]>();
    const loose: PermissionJson[] = [];
    for (const p of permissions) {
      const messageId = p.tool?.messageID;
      if (
        messageId && conversation?.messages.some((m) => m.info.id === messageId)
      ) {
        byMessage.set(messageId, [...(byMessage.get(messageId) ?? []), p]);
      } else loose.push(p);
    }
    const working = isSessionWorking(session.status);
    const lastId = conversation?.messages.at(-1)?.info.id;
    const retry = store.retries.get(this.sessionId);
    const errors = conversation ? visibleErrors(conversation) : [];
    return html`<div class="flex h-full min-h-0 flex-col">
      ${this.#renderHeader()}
      <div data-scroller class="min-h-0 flex-1 overflow-y-auto" @scroll=${(
      e: Event,
    ) => {
      const el = e.currentTarget as HTMLElement;
      this.#stick = el.scrollHeight - el.scrollTop - el.clientHeight < 96;
    }}>
        <div
          class="mx-auto flex max-w-3xl flex-col gap-5 px-4 py-6 md:px-6"
          role="log"
          aria-label="Conversation"
          aria-live="off"
        >
          ${
      state?.loading && !conversation?.messages.length
        ? html`<p class="text-center text-sm text-gray-500">Loading messages…</p>`
        : nothing
    }
          ${
      state?.error
        ? html`<p role="alert" class="rounded-lg bg-red-500/10 p-3 text-sm text-red-300">
              Cannot load messages: ${state.error}
              <button
                type="button"
                class="ml-2 underline"
                @click=${() =>
          void store.loadConversation(this.sessionId, true)}
              >Retry</button>
            </p>`
        : nothing
    }
          ${
      conversation && !conversation.messages.length && !state?.loading
        ? html`
          <div class="py-16 text-center">
            <div
              class="mx-auto mb-3 grid size-10 place-items-center rounded-full bg-gray-900 text-gray-500">${icon(
                "message",
              )}</div>
            <p class="text-sm text-gray-400">No messages yet. Say hello below.</p>
          </div>
        `
        : nothing
    }
          ${
      repeat(
        conversation?.messages ?? [],
        (m) => m.info.id,
        (m, i) => {
          const continued = m.info.role === "assistant" &&
            conversation?.messages[i - 1]?.info.role === "assistant";
          return html`
            <message-item
              class=${continued ? "-mt-3" : ""}
              .message=${m}
              .permissions=${byMessage.get(m.info.id) ?? []}
              ?working=${working && m.info.id === lastId}
              ?continued=${continued}
            ></message-item>
          `;
        },
      )
    }
          ${
      loose.map((p) =>
        html`<permission-prompt class="block" .permission=${p}></permission-prompt>`
      )
    }
          ${
      errors.map((e) =>
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
      )
    }
        </div>
      </div>
      <div class="border-t border-gray-800/80 bg-gray-950 px-4 pt-3 pb-[max(0.75rem,env(safe-area-inset-bottom))] md:px-6">
        <div class="mx-auto max-w-3xl">
          ${
      working
        ? html`
          <div
            data-working
            class="mb-2 flex items-center gap-2 text-sm ${session.status ===
                "retry"
              ? "text-amber-300"
              : "text-sky-300"}"
            role="status"
          >
            <span class="relative flex size-2">
              <span
                class="absolute inline-flex size-full animate-ping rounded-full bg-current opacity-60"></span>
              <span class="relative inline-flex size-2 rounded-full bg-current"></span>
            </span>
            <span class="min-w-0 flex-1 truncate"
              data-status-label>${sessionStatusLabel(
                session.status,
                retry,
                clock,
              )}${session.status === "retry" && retry?.message
                ? html`
                  <span class="text-gray-500">— ${retry.message}</span>
                `
                : nothing}</span>
            <button
              type="button"
              data-abort
              class="inline-flex items-center gap-1.5 rounded-md px-2.5 py-1 text-xs font-medium text-gray-200 ring-1 ring-gray-700 hover:bg-gray-800 focus-visible:outline-2 focus-visible:outline-indigo-400"
              aria-label="Stop generating (abort)"
              @click=${() => void this.#abort()}
            >${icon("stop", "size-3")} Stop</button>
          </div>
        `
        : nothing
    }
          ${
      this._error
        ? html`<p role="alert" class="mb-2 text-sm text-red-300">${this._error}</p>`
        : nothing
    }
          ${
      !running
        ? html`<p class="mb-2 text-sm text-amber-300/90">
              The instance is ${
          instance?.status ?? "gone"
        }; messages can be sent once it is running.
            </p>`
        : nothing
    }
          <form
            class="flex items-end gap-2 rounded-xl border border-gray-800 bg-gray-900 p-2 focus-within:border-indigo-500/70 focus-within:ring-1 focus-within:ring-indigo-500/40"
            @submit=${(e: Event) => {
      e.preventDefault();
      void this.#send();
    }}
          >
            <textarea
              rows="1"
              aria-label="Message"
              placeholder=${
      running ? "Message the agent…" : "Instance not running"
    }
              class="field-sizing-content max-h-48 min-h-10 flex-1 resize-none bg-transparent px-2 py-2 text-[15px] text-gray-100 placeholder:text-gray-500 focus:outline-none"
              ?disabled=${!running}
              @keydown=${(e: KeyboardEvent) => this.#onKeydown(e)}
              @input=${(e: Event) =>
      drafts.set(
        this.sessionId,
        (e.currentTarget as HTMLTextAreaElement).value,
      )}
            ></textarea>
            <button
              type="submit"
              class="grid size-10 shrink-0 place-items-center rounded-lg bg-indigo-500 text-white hover:bg-indigo-400 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-300 disabled:bg-gray-800 disabled:text-gray-500"
              aria-label="Send message (Ctrl+Enter)"
              title="Send (Ctrl+Enter)"
              ?disabled=${!running || this._sending}
            >${icon("send")}</button>
          </form>
          <p class="mt-1.5 hidden text-right text-[11px] text-gray-600 sm:block">
            <kbd class="font-sans">Ctrl</kbd>/<kbd class="font-sans">⌘</kbd> + <kbd class="font-sans">Enter</kbd> to send
          </p>
        </div>
      </div>
      <confirm-dialog></confirm-dialog>
    </div>`;
  }
}

customElements.define("session-view", SessionView);

declare global {
  interface HTMLElementTagNameMap {
    "session-view": SessionView;
  }
}
