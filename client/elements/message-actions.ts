import { html, LitElement, nothing } from "lit";
import { ContextConsumer } from "@lit/context";
import { ApiError } from "../api/api_client.ts";
import {
  forkSession,
  revertSession,
  unrevertSession,
} from "../api/review_api.ts";
import { apiContext } from "../controllers/contexts.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { refusalText } from "../lib/changes_view.ts";

const LINK =
  "min-h-11 rounded px-1.5 py-0.5 md:min-h-0 hover:bg-gray-800 hover:text-gray-200 disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-indigo-400";

/**
 * The actions under a prompt: revert the session to before it (OpenCode
 * restores the files the session changed from there on) or undo that
 * revert, and fork a new session with the conversation before it (the new
 * session opens). A refusal shows the server's reason.
 */
export class MessageActions extends LitElement {
  static override properties = {
    sessionId: { type: String, attribute: "session-id" },
    messageId: { type: String, attribute: "message-id" },
    _busy: { state: true },
    _error: { state: true },
  };

  /** The session the message is in. */
  declare sessionId: string;
  /** The prompt's id (`msg_…`). */
  declare messageId: string;
  declare _busy: boolean;
  declare _error: string | null;

  #view = new StoreSelection(
    this,
    (s) => s.changes.get(this.sessionId)?.revertedTo ?? null,
  );
  #api = new ContextConsumer(this, { context: apiContext });

  constructor() {
    super();
    this.sessionId = "";
    this.messageId = "";
    this._busy = false;
    this._error = null;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  async #act(label: string, run: () => Promise<void>): Promise<void> {
    if (this._busy) return;
    this._busy = true;
    this._error = null;
    try {
      await run();
    } catch (error) {
      this._error = error instanceof ApiError
        ? refusalText(label, error)
        : `Cannot ${label}: ${String(error)}`;
    } finally {
      this._busy = false;
    }
  }

  #revert(undo: boolean): Promise<void> {
    return this.#act(undo ? "undo the revert" : "revert", async () => {
      const api = this.#api.value;
      if (!api) return;
      if (undo) await unrevertSession(api, this.sessionId);
      else await revertSession(api, this.sessionId, this.messageId);
      this.#view.store?.dispatch({
        kind: "session-reverted",
        sessionId: this.sessionId,
        messageId: undo ? null : this.messageId,
      });
    });
  }

  #fork(): Promise<void> {
    return this.#act("fork", async () => {
      const api = this.#api.value;
      if (!api) return;
      const session = await forkSession(api, this.sessionId, this.messageId);
      this.#view.store?.dispatch({ kind: "session-saved", session });
      location.hash = `#/s/${encodeURIComponent(session.id)}`;
    });
  }

  override render() {
    const reverted = this.#view.value === this.messageId;
    return html`
      <div class="flex justify-end gap-1 text-[11px] text-gray-400">
        ${reverted
          ? html`
            <span data-reverted-here class="px-1.5 py-0.5 text-amber-300">
                        Reverted to before this message</span>
            <button type="button" data-undo-revert class=${LINK}
              ?disabled=${this._busy}
              @click=${() => void this.#revert(true)}>Undo revert</button>
          `
          : html`
            <button type="button" data-revert class=${LINK}
              ?disabled=${this._busy}
              title="Take back this message and what followed, files included"
              @click=${() => void this.#revert(false)}>Revert to here</button>
          `}
        <button type="button" data-fork class=${LINK} ?disabled=${this._busy}
          title="A new session with the conversation before this message"
          @click=${() => void this.#fork()}>Fork from here</button>
      </div>
      ${this._error
        ? html`<p role="alert" class="text-right text-[11px] text-red-300">${this._error}</p>`
        : nothing}
    `;
  }
}

customElements.define("message-actions", MessageActions);

declare global {
  interface HTMLElementTagNameMap {
    "message-actions": MessageActions;
  }
}
