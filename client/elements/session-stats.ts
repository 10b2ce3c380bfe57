import { html, LitElement, nothing } from "lit";
import { StoreSelection } from "../controllers/store_selection.ts";
import { contextLimitOf } from "../lib/context_limit.ts";
import { anySession } from "../lib/store/driving_selectors.ts";
import {
  contextShare,
  formatCost,
  formatTokens,
  totalTokens,
} from "../lib/usage_format.ts";

/**
 * The session's running totals for its header: tokens, cost, the model
 * and agent it uses, and how much of the model's context its last reply
 * filled (against the limit the instance's catalog gives).
 */
export class SessionStats extends LitElement {
  static override properties = {
    sessionId: { type: String, attribute: "session-id" },
  };

  /** The session. */
  declare sessionId: string;

  #view = new StoreSelection(this, (s) => {
    const session = anySession(s, this.sessionId);
    const messages = s.conversations.get(this.sessionId)?.conversation
      .messages;
    let last;
    for (let i = (messages?.length ?? 0) - 1; i >= 0; i--) {
      const info = messages?.[i]?.info;
      if (info?.role === "assistant" && !("pending" in info)) {
        last = info;
        break;
      }
    }
    return {
      session,
      last,
      models: session
        ? s.driving.catalogs.get(session.instance_id)?.models
        : undefined,
    };
  });

  constructor() {
    super();
    this.sessionId = "";
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override render() {
    const { session, last, models } = this.#view.value;
    if (!session?.tokens && session?.cost === undefined) return nothing;
    const used = last ? totalTokens(last.tokens) : undefined;
    const limit = last
      ? contextLimitOf(models, last.providerID, last.modelID)
      : undefined;
    const share = used === undefined ? undefined : contextShare(used, limit);
    return html`
      <p data-session-stats
        class="flex flex-wrap gap-x-3 gap-y-0.5 text-xs text-gray-400">
        ${session.model
          ? html`<span data-stat-model>${session.model}${
            session.variant &&
              session.variant !== "default"
              ? ` · ${session.variant}`
              : ""
          }</span>`
          : nothing}
        ${session.agent
          ? html`<span data-stat-agent>${session.agent}</span>`
          : nothing}
        ${session.tokens
          ? html`
            <span data-stat-tokens
              title="input ${session.tokens
                .input}, output ${session.tokens.output}, reasoning ${session
                .tokens.reasoning}, cache ${session.tokens.cache.read}/${session
                .tokens.cache.write}">${formatTokens(
                  totalTokens(session.tokens),
                )} tokens</span>
          `
          : nothing}
        ${session.cost !== undefined
          ? html`<span data-stat-cost>${formatCost(session.cost)}</span>`
          : nothing}
        ${used !== undefined
          ? html`<span data-stat-context>context ${formatTokens(used)}${
            limit ? ` / ${formatTokens(limit)} (${share}%)` : ""
          }</span>`
          : nothing}
      </p>
    `;
  }
}

customElements.define("session-stats", SessionStats);

declare global {
  interface HTMLElementTagNameMap {
    "session-stats": SessionStats;
  }
}
