import { html, LitElement, nothing } from "lit";
import { ContextConsumer } from "@lit/context";
import { apiContext } from "../controllers/contexts.ts";
import { loadUsage } from "../controllers/driving_loader.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { usageRevision } from "../lib/store/driving_selectors.ts";
import { usageDetail, usageSummary } from "../lib/usage_format.ts";

/**
 * An instance's tokens and cost, summed over all its sessions (subagents'
 * included), in one line for its row of the sidebar. The roll-up is the
 * server's (`GET /api/instances/{id}/usage`); it is loaded again whenever
 * the page sees the instance's sessions change in tokens, cost or work
 * (a reply finishing), one load at a time. Nothing shows before any use.
 */
export class InstanceUsage extends LitElement {
  static override properties = {
    instanceId: { type: String, attribute: "instance-id" },
  };

  /** The instance. */
  declare instanceId: string;

  #view = new StoreSelection(this, (s) => ({
    usage: s.driving.usage.get(this.instanceId),
    revision: usageRevision(s, this.instanceId),
    ready: s.load.ready,
  }));
  #api = new ContextConsumer(this, { context: apiContext });
  /** The instance and revision last loaded (or being loaded). */
  #loaded = "";
  #loading = false;

  constructor() {
    super();
    this.instanceId = "";
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override updated(): void {
    this.#load();
  }

  /** Loads the roll-up when the revision moved on since the last load. */
  #load(): void {
    const { ready, revision } = this.#view.value;
    const store = this.#view.store;
    const api = this.#api.value;
    const key = `${this.instanceId}|${revision}`;
    if (
      !this.isConnected || !store || !api || !ready || !this.instanceId ||
      this.#loading || key === this.#loaded
    ) {
      return;
    }
    this.#loading = true;
    this.#loaded = key;
    void loadUsage(api, store, this.instanceId).finally(() => {
      this.#loading = false;
      // the sessions may have changed while it loaded
      this.#load();
    });
  }

  override render() {
    const { usage } = this.#view.value;
    const summary = usage ? usageSummary(usage) : undefined;
    if (!usage || !summary) return nothing;
    return html`
      <p data-instance-usage class="truncate text-[11px] text-gray-400"
        title=${usageDetail(usage)}>${summary}</p>
    `;
  }
}

customElements.define("instance-usage", InstanceUsage);

declare global {
  interface HTMLElementTagNameMap {
    "instance-usage": InstanceUsage;
  }
}
