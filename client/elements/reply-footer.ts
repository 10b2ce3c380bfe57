import { html, LitElement, nothing } from "lit";
import type { ConversationMessageInfo } from "../lib/conversation.ts";
import {
  formatCost,
  formatDuration,
  formatTokens,
  totalTokens,
} from "../lib/usage_format.ts";

/**
 * The small footer under a finished reply: model (and agent), tokens,
 * cost and how long it took.
 */
export class ReplyFooter extends LitElement {
  static override properties = { info: { attribute: false } };

  /** The assistant message's info. */
  declare info: ConversationMessageInfo | undefined;

  constructor() {
    super();
    this.info = undefined;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override render() {
    const info = this.info;
    if (!info || info.role !== "assistant" || "pending" in info) return nothing;
    const done = info.time.completed;
    if (done === undefined) return nothing;
    const t = info.tokens;
    return html`
      <p data-reply-footer
        class="mt-1 flex flex-wrap gap-x-2 text-[11px] text-gray-400">
        <span data-reply-model>${info.providerID}/${info.modelID}${info
            .variant && info.variant !== "default"
          ? ` · ${info.variant}`
          : ""}</span>
        <span>${info.agent}</span>
        <span data-reply-tokens
          title="input ${t.input}, output ${t
            .output}, reasoning ${t.reasoning}">${formatTokens(
              totalTokens(t),
            )} tokens</span>
        <span data-reply-cost>${formatCost(info.cost)}</span>
        <span>${formatDuration(done - info.time.created)}</span>
      </p>
    `;
  }
}

customElements.define("reply-footer", ReplyFooter);

declare global {
  interface HTMLElementTagNameMap {
    "reply-footer": ReplyFooter;
  }
}
