import { html, LitElement, nothing } from "lit";
import type {
  PermissionJson,
  PermissionReply,
} from "../../server/contract/permissions.ts";
import { apiContext, storeContext } from "../controllers/contexts.ts";
import { ContextConsumer } from "@lit/context";
import { errorText } from "../lib/error_text.ts";
import { icon } from "../lib/icons.ts";

function describe(permission: PermissionJson): string {
  const command = permission.metadata.command;
  if (typeof command === "string" && command !== "") return command;
  return permission.patterns.join(", ");
}

/**
 * A pending permission request with once / always / reject buttons, and
 * what "Always" grants: OpenCode's `always` patterns (a reply of `always`
 * allows every later request of that permission matching one of them, from
 * now on, in this project), or, when there are none, that it allows this
 * call only. Used inline in the conversation and, `compact`, in the
 * sidebar's "needs you" and on the home board.
 */
export class PermissionPrompt extends LitElement {
  static override properties = {
    permission: { attribute: false },
    compact: { type: Boolean },
    context: { type: String },
    _busy: { state: true },
    _error: { state: true },
  };

  /** The request. */
  declare permission: PermissionJson | undefined;
  /** Smaller layout for the sidebar. */
  declare compact: boolean;
  /** Where it comes from (instance · session), shown in compact mode. */
  declare context: string;
  declare _busy: boolean;
  declare _error: string | null;

  #api = new ContextConsumer(this, { context: apiContext });
  #store = new ContextConsumer(this, { context: storeContext });

  constructor() {
    super();
    this.permission = undefined;
    this.compact = false;
    this.context = "";
    this._busy = false;
    this._error = null;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  async #reply(reply: PermissionReply): Promise<void> {
    const permission = this.permission;
    const api = this.#api.value;
    if (!permission || !api) return;
    this._busy = true;
    this._error = null;
    try {
      await api.replyPermission(permission.id, reply);
      this.#store.value?.dispatch({
        kind: "permission-answered",
        permissionId: permission.id,
      });
    } catch (error) {
      this._error = errorText(
        error,
        this.#store.value?.state.instances ?? new Map(),
      );
    } finally {
      this._busy = false;
    }
  }

  override render() {
    const p = this.permission;
    if (!p) return nothing;
    const what = describe(p);
    const button =
      "min-h-11 rounded-md px-3 py-1 text-xs font-medium focus-visible:outline-2 focus-visible:outline-offset-1 disabled:opacity-50 md:min-h-0 md:px-2.5";
    return html`
      <div
        role="group"
        aria-label="Permission request: ${p.permission}"
        data-permission-id=${p.id}
        class="rounded-lg border border-amber-500/40 bg-amber-500/[0.07] ${this
            .compact
          ? "p-2.5"
          : "p-3.5"}"
      >
            <div class="flex items-start gap-2">
              <span class="mt-0.5 text-amber-300">${icon("shield")}</span>
              <div class="min-w-0 flex-1">
                ${this.compact && this.context
                  ? html`<p class="truncate text-xs text-gray-300">${this.context}</p>`
                  : nothing}
                <p class="text-sm text-amber-100">
                  Allow <span class="font-semibold">${p.permission}</span>?
                </p>
                <code
                  class="mt-1 block break-all rounded bg-black/40 px-2 py-1 font-mono text-xs text-gray-200 ${this
                      .compact
                    ? "line-clamp-2"
                    : ""}"
                >${what}</code>
                <p data-always class="mt-1.5 text-xs text-gray-300">
                  ${p.always.length
                    ? html`“Always” allows ${p.permission} from now on in this
                      project for:
                      ${
                      p.always.map((pattern, i) =>
                        html`
                          ${i ? ", " : ""}<code
                            data-always-pattern
                            class="rounded bg-black/40 px-1 font-mono text-gray-100"
                          >${pattern}</code>
                        `
                      )
                    }`
                    : html`“Always” adds no standing rule here: it allows
                      this call only.`}
                </p>
              </div>
            </div>
            <div class="mt-2.5 flex flex-wrap gap-1.5 ${this.compact
              ? ""
              : "pl-6"}">
              <button
                type="button"
                data-reply="once"
                class="${button} bg-amber-400 text-gray-950 hover:bg-amber-300 focus-visible:outline-amber-200"
                ?disabled=${this._busy}
                aria-label="Allow ${p.permission} once: ${what}"
                @click=${() => void this.#reply("once")}
              >Allow once</button>
              <button
                type="button"
                data-reply="always"
                class="${button} bg-gray-800 text-gray-100 ring-1 ring-gray-700 hover:bg-gray-700 focus-visible:outline-gray-300"
                ?disabled=${this._busy}
                aria-label="Always allow ${p
                  .permission}: ${p.always.join(", ") ||
                  what}"
                @click=${() => void this.#reply("always")}
              >Always</button>
              <button
                type="button"
                data-reply="reject"
                class="${button} text-red-300 ring-1 ring-red-500/40 hover:bg-red-500/10 focus-visible:outline-red-300"
                ?disabled=${this._busy}
                aria-label="Reject ${p.permission}: ${what}"
                @click=${() => void this.#reply("reject")}
              >Reject</button>
            </div>
            ${this._error
              ? html`<p role="alert" class="mt-2 text-xs text-red-300">${this._error}</p>`
              : nothing}
          </div>
    `;
  }
}

customElements.define("permission-prompt", PermissionPrompt);

declare global {
  interface HTMLElementTagNameMap {
    "permission-prompt": PermissionPrompt;
  }
}
