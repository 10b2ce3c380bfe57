import { html, LitElement, nothing } from "lit";
import { StoreSelection } from "../controllers/store_selection.ts";
import { questionsFor } from "../lib/store/driving_selectors.ts";
import "./question-card.ts";

/**
 * The pending questions of a session (and, for a top-level session, of its
 * subagents), each a `question-card`. A question answered elsewhere
 * disappears with its `question.replied` event.
 */
export class QuestionList extends LitElement {
  static override properties = {
    sessionId: { type: String, attribute: "session-id" },
  };

  /** The open session. */
  declare sessionId: string;

  #view = new StoreSelection(this, (s) => questionsFor(s, this.sessionId));

  constructor() {
    super();
    this.sessionId = "";
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override render() {
    const questions = this.#view.value;
    if (questions.length === 0) return nothing;
    return html`
      <div class="mx-auto flex max-w-3xl flex-col gap-2 px-4 pb-2 md:px-6">
        ${questions.map((q) =>
          html`<question-card .question=${q} ?subagent=${
            q.sessionID !==
              this.sessionId
          }></question-card>`
        )}
      </div>
    `;
  }
}

customElements.define("question-list", QuestionList);

declare global {
  interface HTMLElementTagNameMap {
    "question-list": QuestionList;
  }
}
