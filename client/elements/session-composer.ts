import { html, LitElement, nothing, type PropertyValues } from "lit";
import { ContextConsumer } from "@lit/context";
import { apiContext } from "../controllers/contexts.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { icon } from "../lib/icons.ts";
import { acceptsMessages } from "../lib/instance_display.ts";
import { noteRender } from "../lib/render_probe.ts";
import { isSessionWorking, sessionStatusLabel } from "../lib/status_style.ts";
import { commandOf } from "../lib/composer_tokens.ts";
import type { ComposerPickers } from "./composer-pickers.ts";
import "./composer-pickers.ts";
import type { ComposerSuggest } from "./composer-suggest.ts";
import "./composer-suggest.ts";

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
 * The open session's composer: the working / retry bar with abort, and the
 * message box (Ctrl/Cmd+Enter sends; drafts are kept per session). Renders
 * when the session's status, retry or instance status changes, never for
 * the conversation.
 *
 * @fires message-sent - after a message was accepted (bubbles).
 */
export class SessionComposer extends LitElement {
  static override properties = {
    sessionId: { type: String, attribute: "session-id" },
    _sending: { state: true },
    _error: { state: true },
  };

  /** The session to write to. */
  declare sessionId: string;
  declare _sending: boolean;
  declare _error: string | null;

  #view = new StoreSelection(this, (s) => {
    const session = s.sessions.byId.get(this.sessionId);
    return {
      status: session?.status,
      retry: s.sessions.retries.get(this.sessionId),
      instanceStatus: session
        ? s.instances.get(session.instance_id)?.status
        : undefined,
      instanceId: session?.instance_id,
      commands: session
        ? s.driving.catalogs.get(session.instance_id)?.commands
        : undefined,
    };
  });
  #api = new ContextConsumer(this, { context: apiContext });

  constructor() {
    super();
    this.sessionId = "";
    this._sending = false;
    this._error = null;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("sessionId")) this._error = null;
  }

  protected override updated(changed: PropertyValues<this>): void {
    noteRender("session-composer", this.sessionId);
    const suggest = this.querySelector<ComposerSuggest>("composer-suggest");
    const box = this.querySelector<HTMLTextAreaElement>("textarea");
    if (suggest && box && suggest.target !== box) suggest.target = box;
    if (changed.has("sessionId")) {
      const textarea = this.querySelector<HTMLTextAreaElement>("textarea");
      if (textarea) textarea.value = drafts.get(this.sessionId) ?? "";
    }
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
      const choice =
        this.querySelector<ComposerPickers>("composer-pickers")?.choice() ??
          {};
      const names = (this.#view.value.commands ?? []).map((c) => c.name);
      const command = commandOf(text, names);
      if (command) await api.sendCommand(sessionId, { ...command, ...choice });
      else await api.sendMessage(sessionId, { text, ...choice });
      drafts.delete(sessionId);
      if (this.sessionId === sessionId) textarea.value = "";
      this.dispatchEvent(new CustomEvent("message-sent", { bubbles: true }));
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

  #onKeydown(event: KeyboardEvent): void {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void this.#send();
    }
  }

  #renderWorking() {
    const { status, retry } = this.#view.value;
    if (status === undefined || !isSessionWorking(status)) return nothing;
    return html`
      <div
        data-working
        class="mb-2 flex items-center gap-2 text-sm ${status === "retry"
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
            status,
            retry,
            clock,
          )}${status === "retry" && retry?.message
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
    `;
  }

  override render() {
    const { instanceStatus } = this.#view.value;
    // A sleeping instance takes the message: sending wakes it.
    const running = acceptsMessages(instanceStatus);
    return html`
      <div
        class="border-t border-gray-800/80 bg-gray-950 px-4 pt-3 pb-[max(0.75rem,env(safe-area-inset-bottom))] md:px-6">
        <div class="mx-auto max-w-3xl">
          ${this.#renderWorking()}
          ${this._error
            ? html`<p role="alert" class="mb-2 text-sm text-red-300">${this._error}</p>`
            : nothing}
          ${instanceStatus === "hibernated"
            ? html`<p class="mb-2 text-sm text-sky-300/80" data-wakes-on-send>
              The instance is hibernated; sending a message wakes it.
            </p>`
            : nothing}
          ${!running
            ? html`<p class="mb-2 text-sm text-amber-300/90">
              The instance is ${
              instanceStatus ??
                "gone"
            }; messages can be sent once it is running.
            </p>`
            : nothing}
          <composer-suggest instance-id=${this.#view.value.instanceId ??
            ""}></composer-suggest>
          <composer-pickers session-id=${this
            .sessionId}></composer-pickers>
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
              placeholder=${running
                ? "Message the agent…"
                : "Instance not running"}
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
    `;
  }
}

customElements.define("session-composer", SessionComposer);

declare global {
  interface HTMLElementTagNameMap {
    "session-composer": SessionComposer;
  }
}
