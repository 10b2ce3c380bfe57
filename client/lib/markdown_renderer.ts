/**
 * The Markdown renderer the page loads on demand (its own chunk: marked and
 * DOMPurify are a third of the page's code and the first paint needs
 * neither). `markdown-text` imports it dynamically. Code blocks get their
 * header here; the highlighter is yet another chunk, loaded the first time
 * a code block needs it (`code_blocks.ts`).
 *
 * @module
 */
import { decorateCodeBlocks } from "./code_blocks.ts";
import { sanitizeToFragment } from "./markdown.ts";
import { type MarkdownStep, StreamingMarkdown } from "./markdown_stream.ts";

export { decorateCodeBlocks, sanitizeToFragment, StreamingMarkdown };
export type { MarkdownStep };
