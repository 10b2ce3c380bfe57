/**
 * Markdown → sanitised HTML for model output. `marked` renders (raw HTML in
 * the source is escaped and shown as text), then DOMPurify sanitises with a strict configuration: no scripts, no event handlers, no
 * `style` attributes or elements (the CSP forbids inline styles), no forms or
 * frames, no classes except `language-*` on code, and links open in a new tab
 * without an opener.
 *
 * @module
 */
import { Marked, type Token, type TokensList } from "marked";
import DOMPurify, { type Config, type DOMPurify as Purifier } from "dompurify";

/** The DOMPurify configuration used for every message. */
export const SANITIZE_CONFIG: Readonly<Config> = Object.freeze({
  USE_PROFILES: { html: true },
  FORBID_TAGS: [
    "style",
    "script",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "option",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "link",
    "meta",
    "base",
    "dialog",
    "template",
    "video",
    "audio",
    "source",
    "picture",
  ],
  FORBID_ATTR: [
    "style",
    "id",
    "name",
    "srcset",
    "action",
    "formaction",
    "autofocus",
    "tabindex",
  ],
  ALLOW_DATA_ATTR: false,
});

/**
 * Whether a `class` attribute may stay: only `language-xyz` on `<code>`
 * (so arbitrary utility classes in model output cannot restyle the page).
 *
 * @param tagName The element's tag name (any case).
 * @param value The class attribute value.
 * @returns True to keep it.
 */
export function isAllowedClass(tagName: string, value: string): boolean {
  return tagName.toLowerCase() === "code" &&
    /^language-[\w+#.-]{1,40}$/.test(value.trim());
}

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    // raw HTML in model output is shown as text, never parsed as markup
    html: (token) => escapeHtml(token.text),
  },
});

/** Link reference definitions by normalised label, as marked keeps them. */
export type MarkdownLinks = TokensList["links"];

/**
 * Lexes Markdown with Flock's options, like `marked.lexer`, but starting from
 * link definitions already known (those of earlier text, for a lexer that
 * resumes in the middle of a document).
 *
 * @param source Markdown (`\r\n` and `\r` become `\n`, as marked does).
 * @param links Definitions made earlier in the document; the first one of a
 *   label wins, so these win over the source's own.
 * @returns The block tokens; `links` holds `links` plus the source's own.
 */
export function lexMarkdown(
  source: string,
  links: MarkdownLinks = {},
): TokensList {
  const lexer = new marked.Lexer({ ...marked.defaults });
  Object.assign(lexer.tokens.links, links);
  return lexer.lex(source);
}

/**
 * Renders block tokens to (unsanitised) HTML with Flock's renderer.
 *
 * @param tokens Tokens from {@linkcode lexMarkdown}.
 * @returns The HTML, exactly what `marked.parse` makes of them.
 */
export function parseMarkdownTokens(tokens: readonly Token[]): string {
  return marked.parser(tokens.slice());
}

/**
 * Calls `visit` for every token, nested ones included, in document order.
 *
 * @param tokens Block tokens.
 * @param visit Called once per token.
 */
export function walkMarkdownTokens(
  tokens: readonly Token[],
  visit: (token: Token) => void,
): void {
  marked.walkTokens(tokens.slice(), visit);
}

let purifier: Purifier | null | undefined;

function getPurifier(): Purifier | null {
  if (purifier !== undefined) return purifier;
  if (typeof document === "undefined") {
    purifier = null;
    return purifier;
  }
  const instance = DOMPurify(globalThis);
  if (!instance.isSupported) {
    purifier = null;
    return purifier;
  }
  instance.addHook("uponSanitizeAttribute", (node, data) => {
    if (
      data.attrName === "class" &&
      !isAllowedClass(node.nodeName, data.attrValue)
    ) {
      data.keepAttr = false;
    }
  });
  instance.addHook("afterSanitizeAttributes", (node) => {
    if (node.nodeName === "A" && node instanceof Element) {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer nofollow");
    }
  });
  purifier = instance;
  return purifier;
}

/**
 * Escapes text for use as HTML.
 *
 * @param text Any text.
 * @returns The text with `& < > " '` escaped.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Renders Markdown to HTML that is safe to insert. Without a DOM (so without
 * DOMPurify) it fails safe and returns the escaped source text.
 *
 * @param source Markdown from the model or the user.
 * @returns Sanitised HTML.
 */
export function renderMarkdown(source: string): string {
  const purify = getPurifier();
  if (!purify) return `<p>${escapeHtml(source)}</p>`;
  return sanitizeHtml(marked.parse(source, { async: false }));
}

/**
 * Sanitises HTML made by marked with {@linkcode SANITIZE_CONFIG}. Without a
 * DOM it fails safe and returns the HTML escaped as text.
 *
 * @param html Marked's output.
 * @returns HTML that is safe to insert.
 */
export function sanitizeHtml(html: string): string {
  const purify = getPurifier();
  if (!purify) return escapeHtml(html);
  return purify.sanitize(html, {
    ...SANITIZE_CONFIG,
    RETURN_TRUSTED_TYPE: false,
  });
}

/**
 * Sanitises HTML made by marked into nodes ready to insert (no second
 * parse). Needs a DOM.
 *
 * @param html Marked's output.
 * @returns The sanitised nodes.
 * @throws {Error} without a DOM.
 */
export function sanitizeToFragment(html: string): DocumentFragment {
  const purify = getPurifier();
  if (!purify) {
    throw new Error("Cannot sanitise Markdown as nodes: there is no DOM");
  }
  return purify.sanitize(html, {
    ...SANITIZE_CONFIG,
    RETURN_DOM_FRAGMENT: true,
  });
}
