import { html, LitElement, nothing } from "lit";
import { ContextConsumer } from "@lit/context";
import type { InstanceJson } from "../../server/contract/instances.ts";
import type { PatchInstanceBody } from "../api/api_client.ts";
import { apiContext } from "../controllers/contexts.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { dialogActions } from "../lib/dialog_actions.ts";
import { dialogHeader } from "../lib/dialog_header.ts";
import { trapFocus } from "../lib/focus_trap.ts";
import { icon } from "../lib/icons.ts";
import {
  formatIdleTimeout,
  instancePhase,
  parseIdleTimeout,
  phaseLabel,
} from "../lib/instance_display.ts";

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The settings of one instance (a modal): its name and idle timeout
 * (`PATCH /api/instances/{id}`, the server's 400 shown as it says it), and
 * "Hibernate now" for a running local instance. Open with `show(id)`.
 */
export class InstanceSettings extends LitElement {
  static override properties = {
    _id: { state: true },
    _name: { state: true },
    _timeout: { state: true },
    _error: { state: true },
    _saved: { state: true },
    _busy: { state: true },
  };

  declare _id: string | null;
  declare _name: string;
  declare _timeout: string;
  declare _error: string | null;
  declare _saved: boolean;
  declare _busy: boolean;

  #api = new ContextConsumer(this, { context: apiContext });
  #view = new StoreSelection(
    this,
    (s) => this._id === null ? undefined : s.instances.get(this._id),
  );

  constructor() {
    super();
    this._id = null;
    this._name = "";
    this._timeout = "";
    this._error = null;
    this._saved = false;
    this._busy = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /** Opens the settings of an instance, filled with its values. */
  async show(instance: InstanceJson): Promise<void> {
    this._id = instance.id;
    this._name = instance.name;
    this._timeout = instance.kind === "remote"
      ? ""
      : String(instance.idle_timeout_s);
    this._error = null;
    this._saved = false;
    await this.updateComplete;
    const dialog = this.querySelector("dialog");
    if (dialog && !dialog.open) dialog.showModal();
    this.querySelector<HTMLInputElement>("#instance-settings-name")?.focus();
  }

  /** Closes it. */
  close(): void {
    this.querySelector("dialog")?.close();
  }

  async #act(action: () => Promise<InstanceJson | undefined>): Promise<void> {
    if (this._busy) return;
    this._busy = true;
    this._error = null;
    this._saved = false;
    try {
      const instance = await action();
      if (instance) {
        this.#view.store?.dispatch({ kind: "instance-saved", instance });
        this._saved = true;
      }
    } catch (error) {
      this._error = messageOf(error);
    } finally {
      this._busy = false;
    }
  }

  #save(event: Event, instance: InstanceJson): void {
    event.preventDefault();
    const body: PatchInstanceBody = { name: this._name };
    if (instance.kind === "local") {
      const parsed = parseIdleTimeout(this._timeout);
      if ("error" in parsed) {
        this._error = parsed.error;
        return;
      }
      body.idle_timeout_s = parsed.value;
    }
    void this.#act(async () => {
      const saved = await this.#api.value?.patchInstance(instance.id, body);
      if (saved && saved.kind === "local") {
        this._timeout = String(saved.idle_timeout_s);
      }
      return saved;
    });
  }

  #renderBody(instance: InstanceJson) {
    const input =
      "w-full rounded-md border border-gray-700 bg-gray-950 px-3 py-2 text-sm text-gray-100 placeholder:text-gray-600 focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 disabled:opacity-50";
    const phase = instancePhase(instance);
    const local = instance.kind === "local";
    return html`
      <form @submit=${(e: Event) => this.#save(e, instance)} novalidate>
        <div class="space-y-4 px-5 py-4">
          <p class="text-xs text-gray-400" data-settings-status>${phaseLabel(
            phase,
          )} · ${local
            ? `hibernates after ${
              formatIdleTimeout(instance.idle_timeout_s)
            } idle`
            : "remote: never hibernates"}</p>
          <div>
            <label for="instance-settings-name" class="mb-1 block text-sm font-medium text-gray-300">Name</label>
            <input id="instance-settings-name" class=${input} autocomplete="off"
              .value=${this._name}
              @input=${(
                e: Event,
              ) => (this._name =
                (e.currentTarget as HTMLInputElement).value)} />
          </div>
          <div>
            <label for="instance-settings-timeout" class="mb-1 block text-sm font-medium text-gray-300">
              Idle timeout <span class="font-normal text-gray-400">(seconds; 0 never; blank: the default)</span>
            </label>
            <input id="instance-settings-timeout" class="${input} font-mono"
              inputmode="numeric" autocomplete="off" ?disabled=${!local}
              placeholder=${local ? "900" : "Remote instances never hibernate"}
              .value=${this._timeout}
              @input=${(
                e: Event,
              ) => (this._timeout =
                (e.currentTarget as HTMLInputElement).value)} />
          </div>
          ${this._error
            ? html`
              <p role="alert" data-settings-error
                class="flex items-start gap-2 rounded-md border border-red-500/40 bg-red-500/10 px-3 py-2 text-sm text-red-200"
              >${icon("alert", "mt-0.5 size-4 shrink-0")}<span>${this
                ._error}</span></p>
            `
            : nothing}
          ${this._saved
            ? html`<p role="status" data-settings-saved class="text-sm text-emerald-300">Saved.</p>`
            : nothing}
        </div>
        <div class="flex items-center gap-2 border-t border-gray-800 px-5 py-3">
          ${local
            ? html`
              <button type="button" data-hibernate-now
                class="rounded-md px-3 py-1.5 text-sm text-sky-200 ring-1 ring-sky-800 hover:bg-sky-950 disabled:opacity-50"
                title="Stop its OpenCode now; the next use wakes it (a busy session loses its turn)"
                ?disabled=${this._busy || phase !== "running"}
                @click=${() =>
                  void this.#act(() =>
                    this.#api.value?.hibernateInstance(instance.id) ??
                      Promise.resolve(undefined)
                  )}
              >Hibernate now</button>
            `
            : nothing}
          <span class="flex-1"></span>
          ${dialogActions({
            submitLabel: "Save",
            busyLabel: "Saving…",
            busy: this._busy,
            onCancel: () => this.close(),
            cancelLabel: "Close",
          })}
        </div>
      </form>
    `;
  }

  override render() {
    const instance = this.#view.value;
    return html`
      <dialog
        aria-labelledby="instance-settings-title"
        class="m-auto w-[calc(100%-1.5rem)] max-w-md overflow-hidden rounded-xl border border-gray-800 bg-gray-900 p-0 text-gray-100 shadow-2xl backdrop:bg-black/70"
        @keydown=${(e: KeyboardEvent) =>
          trapFocus(e, e.currentTarget as HTMLElement)}
        @click=${(e: MouseEvent) => {
          if (e.target === e.currentTarget) this.close();
        }}
      >
        ${dialogHeader({
          id: "instance-settings-title",
          title: `Settings of ${instance?.name ?? "instance"}`,
          onClose: () => this.close(),
          layout: "bar",
        })}
        ${instance
          ? this.#renderBody(instance)
          : html`<p class="px-5 py-4 text-sm text-gray-400">This instance was removed.</p>`}
      </dialog>
    `;
  }
}

customElements.define("instance-settings", InstanceSettings);

declare global {
  interface HTMLElementTagNameMap {
    "instance-settings": InstanceSettings;
  }
}
