import { ReactiveElement } from "lit";
import { noteRender } from "../lib/render_probe.ts";

type Renderer = typeof import("../lib/markdown_renderer.ts");

let renderer: Renderer | undefined;
let loading: Promise<Renderer> | undefined;

/**
 * Loads the Markdown renderer (a chunk of its own) once.
 *
 * @returns The renderer module.
 */
export function loadMarkdownRenderer(): Promise<Renderer> {
  loading ??= import("../lib/markdown_renderer.ts").then((module) => {
    renderer = module;
    return module;
  });
  return loading;
}

/**
 * Markdown text (model output), rendered incrementally as it grows: blocks
 * that can no longer change are parsed, sanitised and inserted once and are
 * never touched again (a selection in them survives the stream); only the
 * open blocks at the end are rendered again when the text grows
 * (`lib/markdown_stream.ts`). The result is always what a full parse of
 * `text` gives. Sanitised with DOMPurify (`lib/markdown.ts`).
 *
 * The renderer is a chunk of its own ({@linkcode loadMarkdownRenderer}); the
 * page starts loading it at once, and until it is there the text is shown
 * as plain text.
 *
 * Not a template: it owns its child nodes directly.
 */
export class MarkdownText extends ReactiveElement {
  static override properties = {
    text: { type: String },
  };

  /** The Markdown source. */
  declare text: string;

  #markdown: InstanceType<Renderer["StreamingMarkdown"]> | undefined;
  /** The nodes of the open tail (the last children). */
  #tail: ChildNode[] = [];
  /** The plain-text stand-in is shown (the renderer had not arrived). */
  #plainShown = false;
  /** Puts "Copied" back to "Copy". */
  #copiedTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super();
    this.text = "";
    this.addEventListener("click", (event) => void this.#onClick(event));
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.#copiedTimer);
  }

  /** A code block's Copy button (one listener for all of them). */
  async #onClick(event: Event): Promise<void> {
    const target = event.target;
    if (!(target instanceof Element)) return;
    const button = target.closest<HTMLButtonElement>("[data-copy-code]");
    const code = button?.closest("[data-code-block]")?.querySelector("code");
    if (!button || !code) return;
    // the fence's text, without the newline Markdown ends it with
    const text = (code.textContent ?? "").replace(/\n$/, "");
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch {
      // no clipboard (e.g. not a secure context): select it for Ctrl+C
      getSelection()?.selectAllChildren(code);
      button.textContent = "Press Ctrl+C";
    }
    button.dataset.copied = "";
    clearTimeout(this.#copiedTimer);
    this.#copiedTimer = setTimeout(() => {
      button.textContent = "Copy";
      delete button.dataset.copied;
    }, 2000);
  }

  protected override update(changed: Map<PropertyKey, unknown>): void {
    super.update(changed);
    if (!renderer) {
      // plain text until the renderer arrives (then this renders again)
      this.replaceChildren(this.#plain(this.text));
      this.#plainShown = true;
      void loadMarkdownRenderer().then(() => this.requestUpdate());
      return;
    }
    this.#markdown ??= new renderer.StreamingMarkdown();
    const step = this.#markdown.update(this.text);
    if (step.reset || this.#plainShown) {
      this.replaceChildren();
      this.#tail = [];
      this.#plainShown = false;
    }
    for (const node of this.#tail) node.remove();
    if (step.committed) {
      const committed = renderer.sanitizeToFragment(step.committed);
      renderer.decorateCodeBlocks(committed);
      this.append(committed);
    }
    const tail = renderer.sanitizeToFragment(step.tail);
    renderer.decorateCodeBlocks(tail);
    this.#tail = [...tail.childNodes];
    this.append(tail);
  }

  #plain(text: string): HTMLElement {
    const p = document.createElement("p");
    p.className = "whitespace-pre-wrap";
    p.textContent = text;
    return p;
  }

  protected override updated(): void {
    noteRender("markdown-text", this.dataset.partId ?? "");
  }
}

customElements.define("markdown-text", MarkdownText);

declare global {
  interface HTMLElementTagNameMap {
    "markdown-text": MarkdownText;
  }
}
