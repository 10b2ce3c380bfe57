import { html, LitElement, nothing, type PropertyValues } from "lit";
import { ContextConsumer } from "@lit/context";
import {
  checkAnswers,
  type QuestionInfoJson,
  type QuestionJson,
} from "../../server/contract/questions.ts";
import { apiContext, storeContext } from "../controllers/contexts.ts";

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A pending question of OpenCode's `question` tool: each question with its
 * options (radio buttons, or check boxes when it takes several answers)
 * and a free-text answer unless the question forbids one; Answer sends
 * them, Dismiss rejects the question. The answers are checked with the
 * contract's `checkAnswers` before sending, so a wrong shape is said here.
 */
export class QuestionCard extends LitElement {
  static override properties = {
    question: { attribute: false },
    subagent: { type: Boolean },
    _picked: { state: true },
    _custom: { state: true },
    _busy: { state: true },
    _error: { state: true },
  };

  /** The pending question request. */
  declare question: QuestionJson | undefined;
  /** It was asked in a subagent's child session. */
  declare subagent: boolean;
  /** The picked option labels, per question. */
  declare _picked: readonly (readonly string[])[];
  /** The free-text answer, per question. */
  declare _custom: readonly string[];
  declare _busy: boolean;
  declare _error: string | null;

  #api = new ContextConsumer(this, { context: apiContext });
  #store = new ContextConsumer(this, { context: storeContext });

  constructor() {
    super();
    this.question = undefined;
    this.subagent = false;
    this._picked = [];
    this._custom = [];
    this._busy = false;
    this._error = null;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const before = changed.get("question");
    if (changed.has("question") && before?.id !== this.question?.id) {
      const count = this.question?.questions.length ?? 0;
      this._picked = Array.from({ length: count }, () => []);
      this._custom = Array.from({ length: count }, () => "");
      this._error = null;
    }
  }

  #toggle(index: number, info: QuestionInfoJson, label: string): void {
    const current = this._picked[index] ?? [];
    const next = info.multiple
      ? current.includes(label)
        ? current.filter((l) => l !== label)
        : [...current, label]
      : [label];
    this._picked = this._picked.map((p, i) => i === index ? next : p);
    if (!info.multiple) {
      this._custom = this._custom.map((c, i) => i === index ? "" : c);
    }
  }

  #setCustom(index: number, info: QuestionInfoJson, text: string): void {
    this._custom = this._custom.map((c, i) => i === index ? text : c);
    if (!info.multiple && text.trim() !== "") {
      this._picked = this._picked.map((p, i) => i === index ? [] : p);
    }
  }

  /** The answers as the form holds them: picked labels, then the free text. */
  #answers(): string[][] {
    return (this.question?.questions ?? []).map((_, i) => {
      const custom = (this._custom[i] ?? "").trim();
      return [...(this._picked[i] ?? []), ...(custom ? [custom] : [])];
    });
  }

  async #submit(): Promise<void> {
    const question = this.question;
    const api = this.#api.value;
    if (!question || !api || this._busy) return;
    const checked = checkAnswers(question.questions, this.#answers());
    if (!checked.ok) {
      this._error = checked.problem.message;
      return;
    }
    await this.#send(() => api.answerQuestion(question.id, checked.answers));
  }

  async #send(call: () => Promise<void>): Promise<void> {
    const question = this.question;
    if (!question) return;
    this._busy = true;
    this._error = null;
    try {
      await call();
      this.#store.value?.dispatch({
        kind: "question-answered",
        questionId: question.id,
      });
    } catch (error) {
      this._error = `Cannot answer: ${messageOf(error)}`;
    } finally {
      this._busy = false;
    }
  }

  #renderQuestion(info: QuestionInfoJson, index: number) {
    const picked = this._picked[index] ?? [];
    const name = `${this.question?.id}-${index}`;
    const type = info.multiple ? "checkbox" : "radio";
    return html`
      <fieldset class="mt-2 first:mt-0" data-question-index=${index}>
        <legend class="text-sm text-violet-100">
          <span class="font-semibold">${info.header}</span>
          <span class="text-gray-300">${info.question}</span>
          ${info.multiple
            ? html`<span class="text-xs text-gray-400">(pick any)</span>`
            : nothing}
        </legend>
        <div class="mt-1.5 flex flex-col gap-1">
          ${info.options.map((option) =>
            html`
              <label
                class="flex min-h-11 cursor-pointer items-start gap-2 rounded-md px-2 py-1.5 hover:bg-white/5 md:min-h-0"
                data-option=${option.label}
              >
                <input
                  type=${type}
                  name=${name}
                  class="mt-1 accent-violet-400"
                  .checked=${picked.includes(option.label)}
                  ?disabled=${this._busy}
                  @change=${() => this.#toggle(index, info, option.label)}
                />
                <span class="text-sm text-gray-100">${option.label}${option
                    .description
                  ? html`<span class="block text-xs text-gray-400">${option.description}</span>`
                  : nothing}</span>
              </label>
            `
          )}
          ${info.custom === false ? nothing : html`
            <input
              type="text"
              data-custom
              aria-label="Your own answer to: ${info.header}"
              placeholder="Or type your own answer…"
              class="mt-1 rounded-md border border-gray-700 bg-gray-950 px-2 py-1.5 text-sm text-gray-100 placeholder:text-gray-400 focus:border-violet-400 focus:outline-none"
              .value=${this._custom[index] ?? ""}
              ?disabled=${this._busy}
              @input=${(e: Event) =>
                this.#setCustom(
                  index,
                  info,
                  (e.currentTarget as HTMLInputElement).value,
                )}
            />
          `}
        </div>
      </fieldset>
    `;
  }

  override render() {
    const q = this.question;
    if (!q) return nothing;
    const button =
      "min-h-11 rounded-md px-3 py-1 text-sm font-medium focus-visible:outline-2 focus-visible:outline-offset-1 disabled:opacity-50 md:min-h-0";
    return html`
      <form
        role="group"
        aria-label="Question from the agent"
        data-question-id=${q.id}
        class="rounded-lg border border-violet-500/40 bg-violet-500/[0.07] p-3.5"
        @submit=${(e: Event) => {
          e.preventDefault();
          void this.#submit();
        }}
      >
        <p class="mb-2 text-xs tracking-wide text-violet-300 uppercase">
          The agent asks${this.subagent ? " (subagent)" : ""}
        </p>
        ${q.questions.map((info, i) => this.#renderQuestion(info, i))}
        <div class="mt-3 flex flex-wrap gap-1.5">
          <button
            type="submit"
            data-answer
            class="${button} bg-violet-400 text-gray-950 hover:bg-violet-300 focus-visible:outline-violet-200"
            ?disabled=${this._busy}
          >Answer</button>
          <button
            type="button"
            data-reject
            class="${button} text-gray-200 ring-1 ring-gray-600 hover:bg-white/5 focus-visible:outline-gray-300"
            ?disabled=${this._busy}
            @click=${() => {
              const api = this.#api.value;
              if (api) void this.#send(() => api.rejectQuestion(q.id));
            }}
          >Dismiss</button>
        </div>
        ${this._error
          ? html`<p role="alert" class="mt-2 text-sm text-red-300">${this._error}</p>`
          : nothing}
      </form>
    `;
  }
}

customElements.define("question-card", QuestionCard);

declare global {
  interface HTMLElementTagNameMap {
    "question-card": QuestionCard;
  }
}
