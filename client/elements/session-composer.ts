import { html, LitElement, nothing, type PropertyValues } from "lit";
import { ContextConsumer } from "@lit/context";
import { apiContext } from "../controllers/contexts.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { icon } from "../lib/icons.ts";
import { acceptsMessages } from "../lib/instance_display.ts";
import { noteRender } from "../lib/render_probe.ts";
import { takeComposerFocus } from "../lib/composer_focus.ts";
import { readDraft, writeDraft } from "../lib/drafts.ts";
import { errorText } from "../lib/error_text.ts";
import { attentionBySession } from "../lib/store/board.ts";
import { isSessionWorking, sessionStatusLabel } from "../lib/status_style.ts";
import { commandOf } from "../lib/composer_tokens.ts";
import type { ComposerPickers } from "./composer-pickers.ts";
import "./composer-pickers.ts";
import type { ComposerSuggest } from "./composer-suggest.ts";
import "./composer-suggest.ts";

const clock = (ms: number) =>
  new Date(ms).toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });

/**
 * The open session's composer: the working / retry bar with Stop (also Esc,
 * anywhere on the page while the reply runs and no dialog or other Esc
 * user is in the way), and the message box (Ctrl/Cmd+Enter sends; the
 * draft of each session is kept in the browser's storage, so it survives a
 * reload). After Stop the focus moves to the message box (the bar goes
 * away); after a new session was made the box takes focus. Renders when
 * the session's status, retry, requests or instance status change, never
 * for the conversation.
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
      waiting: (attentionBySession(s).get(this.sessionId)?.length ?? 0) > 0,
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
  /** Stop was pressed: give the box the focus once the bar is gone. */
  #focusAfterStop = false;
  /** Send was pressed again while a send was in flight: send once it ends. */
  #sendAgain = false;

  /** An error's message, instances named (not their ids). */
  #errorText(error: unknown): string {
    return errorText(error, this.#view.store?.state.instances ?? new Map());
  }

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

  override connectedCallback(): void {
    super.connectedCallback();
    addEventListener("keydown", this.#onWindowKeydown);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    removeEventListener("keydown", this.#onWindowKeydown);
  }

  protected override updated(changed: PropertyValues<this>): void {
    noteRender("session-composer", this.sessionId);
    const suggest = this.querySelector<ComposerSuggest>("composer-suggest");
    const textarea = this.querySelector<HTMLTextAreaElement>("textarea");
    if (suggest && textarea && suggest.target !== textarea) {
      suggest.target = textarea;
    }
    if (changed.has("sessionId") && textarea) {
      textarea.value = readDraft(localStorage, this.sessionId);
    }
    if (textarea && takeComposerFocus(this.sessionId)) textarea.focus();
    const status = this.#view.value.status;
    if (
      this.#focusAfterStop && textarea &&
      (status === undefined || !isSessionWorking(status))
    ) {
      this.#focusAfterStop = false;
      const active = document.activeElement;
      // only when the focus was lost with the bar (never steal it)
      if (active === null || active === document.body) textarea.focus();
    }
  }

  /** Esc stops the reply, unless something else wants that Esc. */
  #onWindowKeydown = (event: KeyboardEvent): void => {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    const status = this.#view.value.status;
    if (status === undefined || !isSessionWorking(status)) return;
    if (document.querySelector("dialog[open]")) return;
    const target = event.target;
    if (
      target instanceof HTMLElement &&
      target !== this.querySelector("textarea") &&
      target.matches("input, select, textarea, [contenteditable]")
    ) return;
    event.preventDefault();
    void this.#abort();
  };

  async #send(): Promise<void> {
    const textarea = this.querySelector<HTMLTextAreaElement>("textarea");
    const api = this.#api.value;
    const text = textarea?.value.trim() ?? "";
    if (!textarea || !api || text === "") return;
    if (this._sending) {
      // typed while the previous one is on its way: it follows, in order
      this.#sendAgain = true;
      return;
    }
    const sessionId = this.sessionId;
    this._sending = true;
    this._error = null;
    let sent = false;
    try {
      const choice =
        this.querySelector<ComposerPickers>("composer-pickers")?.choice() ??
          {};
      const names = (this.#view.value.commands ?? []).map((c) => c.name);
      const command = commandOf(text, names);
      if (command) await api.sendCommand(sessionId, { ...command, ...choice });
      else await api.sendMessage(sessionId, { text, ...choice });
      sent = true;
      // only what was sent leaves the box: text typed meanwhile stays
      if (this.sessionId === sessionId && textarea.value.trim() === text) {
        textarea.value = "";
      }
      writeDraft(
        localStorage,
        sessionId,
        this.sessionId === sessionId ? textarea.value : "",
      );
      this.dispatchEvent(new CustomEvent("message-sent", { bubbles: true }));
    } catch (error) {
      this._error = `Cannot send: ${this.#errorText(error)}`;
    } finally {
      this._sending = false;
    }
    const again = this.#sendAgain && sent && this.sessionId === sessionId;
    this.#sendAgain = false;
    if (again) return this.#send();
    await this.updateComplete;
    this.querySelector<HTMLTextAreaElement>("textarea")?.focus();
  }

  async #abort(): Promise<void> {
    this.#focusAfterStop = true;
    try {
      await this.#api.value?.abortSession(this.sessionId);
    } catch (error) {
      this._error = `Cannot stop: ${this.#errorText(error)}`;
    }
  }

  #onKeydown(event: KeyboardEvent): void {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void this.#send();
    }
  }

  #renderWorking() {
    const { status, retry, waiting } = this.#view.value;
    if (status === undefined || !isSessionWorking(status)) return nothing;
    return html`
      <div
        data-working
        class="mb-2 flex items-center gap-2 text-sm ${status === "retry" ||
            waiting
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
          data-status-label>${waiting
            ? "Waiting for you to answer"
            : sessionStatusLabel(
              status,
              retry,
              clock,
            )}${status === "retry" && retry?.message
            ? html`
              <span class="text-gray-400">— ${retry.message}</span>
            `
            : nothing}</span>
        <button
          type="button"
          data-abort
          class="inline-flex min-h-11 items-center gap-1.5 rounded-md px-3 py-1 text-xs font-medium text-gray-200 ring-1 ring-gray-700 hover:bg-gray-800 focus-visible:outline-2 focus-visible:outline-indigo-400 md:min-h-0 md:px-2.5"
          aria-label="Stop generating (abort)"
          title="Stop (Esc)"
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
              class="field-sizing-content max-h-48 min-h-11 flex-1 resize-none bg-transparent px-2 py-2 text-[15px] text-gray-100 placeholder:text-gray-400 focus:outline-none md:min-h-10"
              ?disabled=${!running}
              @keydown=${(e: KeyboardEvent) => this.#onKeydown(e)}
              @input=${(e: Event) =>
                writeDraft(
                  localStorage,
                  this.sessionId,
                  (e.currentTarget as HTMLTextAreaElement).value,
                )}
            ></textarea>
            <button
              type="submit"
              class="grid size-11 shrink-0 place-items-center rounded-lg bg-indigo-500 text-white hover:bg-indigo-400 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-300 disabled:bg-gray-800 disabled:text-gray-500"
              aria-label="Send message (Ctrl+Enter)"
              title="Send (Ctrl+Enter)"
              ?disabled=${!running || this._sending}
            >${icon("send")}</button>
          </form>
          <p class="mt-1.5 hidden text-right text-[11px] text-gray-400 sm:block">
            <kbd class="font-sans">Ctrl</kbd>/<kbd class="font-sans">⌘</kbd> + <kbd class="font-sans">Enter</kbd> to send · <kbd class="font-sans">Esc</kbd> stops a reply
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
