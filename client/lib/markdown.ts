/**
 * Markdown → sanitised HTML for model output. `marked` renders (raw HTML in
 * the source is escaped and shown as text), then DOMPurify sanitises with a strict configuration: no scripts, no event handlers, no
 * `style` attributes or elements (the CSP forbids inline styles), no forms or
 * frames, no classes except `language-*` on code, and links open in a new tab
 * without an opener.
 *
 * @module
 */
import { Marked } from "marked";
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
  const html = marked.parse(source, { async: false });
  return purify.sanitize(html, {
    ...SANITIZE_CONFIG,
    RETURN_TRUSTED_TYPE: false,
  });
}
