import { html, LitElement, nothing } from "lit";
import { StoreSelection } from "../controllers/store_selection.ts";

/**
 * "Crashed and restarted" for an instance whose OpenCode died and runs
 * again: from `instance.recovered` (with how many tool calls it cut off),
 * or, after a reload, from the instance's `last_error` and restart count.
 * Links to the instance's log; the live notice can be dismissed.
 */
export class RecoveryNotice extends LitElement {
  static override properties = {
    instanceId: { type: String, attribute: "instance-id" },
  };

  /** The instance. */
  declare instanceId: string;

  #view = new StoreSelection(this, (s) => ({
    recovery: s.driving.recoveries.get(this.instanceId),
    instance: s.instances.get(this.instanceId),
  }));

  constructor() {
    super();
    this.instanceId = "";
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override render() {
    const { recovery, instance } = this.#view.value;
    const crashed = instance?.status === "running" &&
      instance.last_error !== null && instance.restart_count > 0;
    if (!recovery && !crashed) return nothing;
    const reason = recovery?.reason ?? instance?.last_error ?? "";
    const logs = `#/i/${encodeURIComponent(this.instanceId)}/logs`;
    return html`
      <div role="status" data-recovered
        class="mx-auto mb-2 flex max-w-3xl items-start gap-2 rounded-lg border border-orange-500/40 bg-orange-500/[0.07] px-3 py-2 text-sm text-orange-100">
        <p class="min-w-0 flex-1">
          <span class="font-medium">${instance?.name ??
            "The instance"} crashed and restarted</span>
          <span class="text-orange-200/80">— ${reason.split(
            "\n",
          )[0]}${recovery &&
              recovery.interrupted > 0
            ? html`; ${recovery.interrupted} tool call${
              recovery.interrupted ===
                  1
                ? ""
                : "s"
            } interrupted`
            : nothing}</span>
          <a href=${logs} class="ml-1 text-orange-200 underline">View log</a>
        </p>
        ${recovery
          ? html`
            <button type="button" aria-label="Dismiss"
              class="min-h-11 px-2 text-orange-200 hover:text-white md:min-h-0"
              @click=${() =>
                this.#view.store?.dispatch({
                  kind: "recovery-dismissed",
                  instanceId: this.instanceId,
                })}>✕</button>
          `
          : nothing}
      </div>
    `;
  }
}

customElements.define("recovery-notice", RecoveryNotice);

declare global {
  interface HTMLElementTagNameMap {
    "recovery-notice": RecoveryNotice;
  }
}
