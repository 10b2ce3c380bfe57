/**
 * The Markdown renderer the page loads on demand (its own chunk: marked and
 * DOMPurify are a third of the page's code and the first paint needs
 * neither). `markdown-text` imports it dynamically.
 *
 * @module
 */
import { sanitizeToFragment } from "./markdown.ts";
import { type MarkdownStep, StreamingMarkdown } from "./markdown_stream.ts";

export { sanitizeToFragment, StreamingMarkdown };
export type { MarkdownStep };
