/**
 * Code blocks of rendered Markdown: each `<pre><code>` gets a header with
 * its language and a Copy button (`data-copy-code`; `markdown-text`
 * handles the click), and is highlighted by the highlighter chunk
 * (`code_highlighter.ts`), which is fetched the first time a block with a
 * language appears. Part of the Markdown renderer chunk.
 *
 * The wrapper says how highlighting went in `data-highlighted`: absent
 * while the highlighter loads, then `yes`, or `no` (no language, or one the
 * highlighter does not know).
 *
 * @module
 */

type Highlighter = typeof import("./code_highlighter.ts");

let highlighter: Highlighter | undefined;
let loading: Promise<Highlighter> | undefined;

/**
 * Loads the highlighter chunk once.
 *
 * @returns The highlighter module.
 */
export function loadHighlighter(): Promise<Highlighter> {
  loading ??= import("./code_highlighter.ts").then((module) => {
    highlighter = module;
    return module;
  });
  return loading;
}

/** The fence's language (`class="language-ts"` → `ts`), or "". */
function languageOf(code: Element): string {
  const match = /(?:^|\s)language-([\w+#.-]+)/.exec(code.className);
  return match?.[1] ?? "";
}

function highlight(block: HTMLElement, code: Element, module: Highlighter) {
  const language = block.dataset.codeBlock ?? "";
  const html = module.highlightCode(code.textContent ?? "", language);
  if (html !== undefined) code.innerHTML = html;
  block.dataset.highlighted = html === undefined ? "no" : "yes";
}

function header(language: string): HTMLElement {
  const bar = document.createElement("div");
  bar.className =
    "flex items-center justify-between gap-2 border-b border-gray-800 px-3 py-1";
  const label = document.createElement("span");
  label.dataset.codeLanguage = "";
  label.className = "font-mono text-xs text-gray-300";
  label.textContent = language || "text";
  const copy = document.createElement("button");
  copy.type = "button";
  copy.dataset.copyCode = "";
  copy.className =
    "min-h-11 rounded px-2 font-sans text-xs text-gray-300 hover:bg-gray-800 hover:text-gray-100 focus-visible:outline-2 focus-visible:outline-indigo-400 md:min-h-7";
  copy.setAttribute("aria-label", `Copy the ${language || "text"} code`);
  copy.textContent = "Copy";
  bar.append(label, copy);
  return bar;
}

/**
 * Gives every code block under `root` its header and highlighting (once).
 *
 * @param root Freshly sanitised Markdown nodes (a fragment, or an element).
 */
export function decorateCodeBlocks(root: ParentNode): void {
  for (const code of root.querySelectorAll("pre > code")) {
    const pre = code.parentElement;
    if (!pre || pre.parentElement?.dataset.codeBlock !== undefined) continue;
    const language = languageOf(code);
    const block = document.createElement("div");
    block.className = "code-block";
    block.dataset.codeBlock = language;
    pre.replaceWith(block);
    block.append(header(language), pre);
    if (language === "") block.dataset.highlighted = "no";
    else if (highlighter) highlight(block, code, highlighter);
    else {
      void loadHighlighter().then((module) => highlight(block, code, module));
    }
  }
}
