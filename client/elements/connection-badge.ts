import { html, LitElement } from "lit";
import { streamContext } from "../controllers/contexts.ts";
import { ContextSubscription } from "../controllers/context_subscription.ts";
import type { ConnectionStatus } from "../controllers/event_stream_controller.ts";

const LOOK: Record<ConnectionStatus, { label: string; classes: string }> = {
  connecting: {
    label: "Connecting",
    classes: "bg-gray-800 text-gray-300 [&>i]:bg-gray-400 [&>i]:animate-pulse",
  },
  connected: {
    label: "Connected",
    classes: "bg-emerald-500/10 text-emerald-300 [&>i]:bg-emerald-400",
  },
  reconnecting: {
    label: "Reconnecting",
    classes:
      "bg-amber-500/10 text-amber-300 [&>i]:bg-amber-400 [&>i]:animate-pulse",
  },
  offline: {
    label: "Offline",
    classes: "bg-red-500/10 text-red-300 [&>i]:bg-red-400",
  },
};

/**
 * Shows the state of the page's event stream: connected, reconnecting or
 * offline (server unreachable or the browser offline).
 */
export class ConnectionBadge extends LitElement {
  #stream = new ContextSubscription(this, streamContext);

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override render() {
    const status = this.#stream.value?.status ?? "connecting";
    const look = LOOK[status];
    return html`
      <span
        role="status"
        aria-live="polite"
        data-status=${status}
        title="Live updates: ${look.label.toLowerCase()}"
        class="inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ${look
          .classes}"
      ><i class="block size-1.5 rounded-full"></i>${look.label}</span>
    `;
  }
}

customElements.define("connection-badge", ConnectionBadge);

declare global {
  interface HTMLElementTagNameMap {
    "connection-badge": ConnectionBadge;
  }
}
