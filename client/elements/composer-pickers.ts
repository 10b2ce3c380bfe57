import { html, LitElement, nothing } from "lit";
import type { ModelsJson } from "../../server/contract/catalog.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { anySession } from "../lib/store/driving_selectors.ts";

/** What a message names; absent fields use the session's remembered choice. */
export interface MessageChoice {
  model?: string;
  agent?: string;
  variant?: string;
}

/** What the user picked per session and has not replaced (kept across views). */
const picks = new Map<string, MessageChoice>();

function variantsOf(models: ModelsJson | undefined, ref: string): string[] {
  for (const provider of models?.providers ?? []) {
    const model = provider.models.find((m) => m.ref === ref);
    if (model) return model.variants;
  }
  return [];
}

/**
 * The composer's agent, model and variant pickers, listing what the
 * instance's OpenCode offers. Each shows the session's remembered choice
 * (its `agent`, `model`, `variant`: what the last message used) until the
 * user picks another; {@linkcode ComposerPickers.choice} is what the next
 * message names.
 */
export class ComposerPickers extends LitElement {
  static override properties = {
    sessionId: { type: String, attribute: "session-id" },
    _tick: { state: true },
  };

  /** The session the composer writes to. */
  declare sessionId: string;
  declare _tick: number;

  #view = new StoreSelection(this, (s) => {
    const session = anySession(s, this.sessionId);
    return {
      session,
      catalog: session
        ? s.driving.catalogs.get(session.instance_id)
        : undefined,
    };
  });

  constructor() {
    super();
    this.sessionId = "";
    this._tick = 0;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /** What the next message names: only what the user picked here. */
  choice(): MessageChoice {
    const picked = { ...picks.get(this.sessionId) };
    if (picked.model === "") delete picked.model;
    // "default" means no variant: the message names none
    if (picked.variant === "default") delete picked.variant;
    return picked;
  }

  #current(): Required<MessageChoice> {
    const { session } = this.#view.value;
    const picked = picks.get(this.sessionId) ?? {};
    // "" is OpenCode's own default (the instance's configured model)
    const model = picked.model ?? session?.model ?? "";
    return {
      model,
      agent: picked.agent ?? session?.agent ?? "build",
      variant: picked.variant ??
        (picked.model ? "default" : session?.variant ?? "default"),
    };
  }

  #pick(field: keyof MessageChoice, value: string): void {
    const next = { ...picks.get(this.sessionId), [field]: value };
    if (field === "model") {
      const variants = variantsOf(this.#view.value.catalog?.models, value);
      if (!next.variant || !variants.includes(next.variant)) {
        next.variant = "default";
      }
    }
    picks.set(this.sessionId, next);
    this._tick++;
  }

  override render() {
    const { catalog } = this.#view.value;
    if (!catalog) return nothing;
    const current = this.#current();
    const agents = catalog.agents.filter((a) =>
      !a.hidden && a.mode !== "subagent"
    );
    const variants = variantsOf(catalog.models, current.model);
    const select =
      "min-h-11 max-w-[12rem] truncate rounded-md border border-gray-800 bg-gray-900 px-1.5 text-xs text-gray-200 focus:border-indigo-400 focus:outline-none md:min-h-7";
    return html`
      <div class="mb-1.5 flex flex-wrap items-center gap-1.5" data-pickers>
        <select aria-label="Agent" data-pick="agent" class=${select}
          @change=${(e: Event) =>
            this.#pick("agent", (e.currentTarget as HTMLSelectElement).value)}>
          ${agents.map((a) =>
            html`<option value=${a.name} ?selected=${
              a.name ===
                current.agent
            }>${a.name}</option>`
          )}
        </select>
        <select aria-label="Model" data-pick="model" class=${select}
          @change=${(e: Event) =>
            this.#pick("model", (e.currentTarget as HTMLSelectElement).value)}>
          <option value="" ?selected=${current.model ===
            ""}>Default model</option>
          ${catalog.models.providers.map((p) =>
            html`<optgroup label=${p.name}>${
              p.models.map((m) =>
                html`<option value=${m.ref} ?selected=${
                  m.ref ===
                    current.model
                }>${m.name}</option>`
              )
            }</optgroup>`
          )}
        </select>
        ${variants.length > 0
          ? html`
            <select aria-label="Variant" data-pick="variant" class=${select}
              @change=${(e: Event) =>
                this.#pick(
                  "variant",
                  (e.currentTarget as HTMLSelectElement).value,
                )}>
                        <option value="default" ?selected=${current.variant ===
                          "default"}>default</option>
                        ${variants.map((v) =>
                          html`<option value=${v} ?selected=${
                            v ===
                              current.variant
                          }>${v}</option>`
                        )}
                      </select>
          `
          : nothing}
      </div>
    `;
  }
}

customElements.define("composer-pickers", ComposerPickers);

declare global {
  interface HTMLElementTagNameMap {
    "composer-pickers": ComposerPickers;
  }
}
