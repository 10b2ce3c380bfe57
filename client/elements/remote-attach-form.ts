import { html, LitElement, nothing } from "lit";
import { ContextConsumer } from "@lit/context";
import { ApiError } from "../api/api_client.ts";
import { apiContext } from "../controllers/contexts.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { dialogActions } from "../lib/dialog_actions.ts";
import { icon } from "../lib/icons.ts";
import {
  type AttachProblem,
  checkRemoteUrl,
  remoteAttachProblem,
} from "../lib/remote_attach.ts";

/**
 * The new-instance dialog's second form: attach an `opencode serve` that
 * Flock did not start (URL, password, optional name). A refusal shows its
 * reason (unreachable, wrong password, not OpenCode, host not allowed with
 * the `--remote-host` flag to add).
 *
 * @fires remote-attached - `detail` is the new instance id.
 * @fires cancel-attach - the user closed the form.
 */
export class RemoteAttachForm extends LitElement {
  static override properties = {
    _url: { state: true },
    _password: { state: true },
    _name: { state: true },
    _problem: { state: true },
    _submitting: { state: true },
  };

  declare _url: string;
  declare _password: string;
  declare _name: string;
  declare _problem: AttachProblem | null;
  declare _submitting: boolean;

  #api = new ContextConsumer(this, { context: apiContext });
  #view = new StoreSelection(this, () => null);

  constructor() {
    super();
    this._url = "";
    this._password = "";
    this._name = "";
    this._problem = null;
    this._submitting = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  async #submit(event: Event): Promise<void> {
    event.preventDefault();
    const api = this.#api.value;
    const store = this.#view.store;
    if (!api || !store || this._submitting) return;
    const checked = checkRemoteUrl(this._url);
    if ("error" in checked) {
      this._problem = { title: "Check the URL", detail: checked.error };
      return;
    }
    this._submitting = true;
    this._problem = null;
    try {
      const name = this._name.trim();
      const instance = await api.createInstance({
        url: checked.url,
        ...(this._password === "" ? {} : { password: this._password }),
        ...(name === "" ? {} : { name }),
      });
      store.dispatch({ kind: "instance-saved", instance });
      this.dispatchEvent(
        new CustomEvent("remote-attached", { detail: instance.id }),
      );
    } catch (error) {
      this._problem = error instanceof ApiError
        ? remoteAttachProblem(error.code, error.message)
        : remoteAttachProblem("", String(error));
    } finally {
      this._submitting = false;
    }
  }

  override render() {
    const input =
      "w-full rounded-md border border-gray-700 bg-gray-950 px-3 py-2 text-sm text-gray-100 placeholder:text-gray-600 focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";
    const field = (
      id: string,
      label: string,
      value: string,
      set: (v: string) => void,
      extra: { type?: string; placeholder?: string; hint?: string } = {},
    ) =>
      html`
        <div>
          <label for=${id}
            class="mb-1 block text-sm font-medium text-gray-300">${label}${extra
                .hint
              ? html`
                <span class="font-normal text-gray-400">${extra.hint}</span>
              `
              : nothing}</label>
          <input id=${id} class=${input} type=${extra.type ?? "text"}
            autocomplete="off" spellcheck="false"
            placeholder=${extra.placeholder ?? ""} .value=${value}
            @input=${(e: Event) =>
              set((e.currentTarget as HTMLInputElement).value)} />
        </div>
      `;
    const problem = this._problem;
    return html`
      <form @submit=${(e: Event) => void this.#submit(e)} novalidate>
        <div class="space-y-4 px-5 py-4">
          <p class="text-xs text-gray-400">
            An <code>opencode serve</code> Flock did not start, on this machine or another.
            Flock never starts or stops it.
          </p>
          ${field(
            "remote-url",
            "Server URL",
            this._url,
            (v) => (this._url = v),
            {
              placeholder: "http://10.0.0.5:4096",
            },
          )}
          ${field(
            "remote-password",
            "Password",
            this._password,
            (v) => (this._password = v),
            { type: "password", hint: "(OPENCODE_SERVER_PASSWORD, if set)" },
          )}
          ${field("remote-name", "Name", this._name, (v) => (this._name = v), {
            hint: "(optional)",
            placeholder: "Defaults to its folder @ host",
          })}
          ${problem
            ? html`
              <div role="alert" data-attach-error
                class="flex items-start gap-2 rounded-md border border-red-500/40 bg-red-500/10 px-3 py-2 text-sm text-red-200"
              >${icon("alert", "mt-0.5 size-4 shrink-0")}<div>
                            <p class="font-medium" data-attach-error-title>${problem
                              .title}</p>
                            <p class="mt-0.5 break-words text-xs text-red-200/80">${problem
                              .detail}</p>
                          </div></div>
            `
            : nothing}
        </div>
        <div class="flex justify-end gap-2 border-t border-gray-800 px-5 py-3">
          ${dialogActions({
            submitLabel: "Attach server",
            busyLabel: "Checking the server…",
            busy: this._submitting,
            onCancel: () =>
              this.dispatchEvent(new CustomEvent("cancel-attach")),
          })}
        </div>
      </form>
    `;
  }
}

customElements.define("remote-attach-form", RemoteAttachForm);

declare global {
  interface HTMLElementTagNameMap {
    "remote-attach-form": RemoteAttachForm;
  }
}
