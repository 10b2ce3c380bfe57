/**
 * Markdown of a text that grows at its end (a streaming reply), rendered
 * without re-parsing it from the start on every change.
 *
 * The text is cut at block boundaries that later text can no longer move:
 * after a blank line, before a block whose first line is complete. Blocks
 * before the last such boundary are *committed*: lexed and rendered once, and
 * never again (so their DOM, and a selection in it, can stay). Each update
 * lexes only the *tail* after them. Markdown's block structure is decided
 * line by line, and after a blank line no construct reaches back into the
 * block before it (a list, a paragraph or a code block that ended there stays
 * ended), so the committed HTML plus the tail's is what marked makes of the
 * whole text.
 *
 * The one thing that crosses blocks is link reference definitions
 * (`[label]: url`), which apply to the whole document. The tail is lexed
 * knowing the committed definitions, and when the text's set of definitions
 * differs from the one the committed blocks were rendered with, everything is
 * rendered again ({@linkcode MarkdownStep.reset}).
 *
 * Pure (no DOM): the caller sanitises and inserts the HTML.
 *
 * @module
 */
import type { Token } from "marked";
import {
  lexMarkdown,
  type MarkdownLinks,
  parseMarkdownTokens,
  walkMarkdownTokens,
} from "./markdown.ts";

/** What changed since the previous {@linkcode StreamingMarkdown.update}. */
export interface MarkdownStep {
  /** Everything rendered before is void: start from nothing. */
  readonly reset: boolean;
  /** HTML of blocks that became final: append it after the earlier ones. */
  readonly committed: string;
  /** HTML of the open blocks at the end: it replaces the previous tail. */
  readonly tail: string;
}

/** Marked's line-ending normalisation (it lexes `\r\n` and `\r` as `\n`). */
function normalise(text: string): string {
  return text.includes("\r") ? text.replace(/\r\n|\r/g, "\n") : text;
}

/** Whether `source[..end]` ends with a blank line (or is only one). */
function endsWithBlankLine(source: string, end: number): boolean {
  if (source.charCodeAt(end - 1) !== 10) return false;
  let i = end - 2;
  while (i >= 0 && (source[i] === " " || source[i] === "\t")) i--;
  return i < 0 || source.charCodeAt(i) === 10;
}

/**
 * How many of `tokens` (lexed from `source[base..]`) are final: the tokens
 * before the last boundary that follows a blank line and starts a
 * non-space block whose first line is complete.
 */
function commitCount(
  source: string,
  base: number,
  tokens: readonly Token[],
): number {
  let offset = base;
  let count = 0;
  for (let i = 0; i < tokens.length - 1; i++) {
    const raw = (tokens[i] as Token).raw;
    // a token whose raw is not the source (a merge that adds a newline) ends
    // the search: committing past it would shift every later offset
    if (!source.startsWith(raw, offset)) break;
    offset += raw.length;
    if ((tokens[i + 1] as Token).type === "space") continue;
    if (!endsWithBlankLine(source, offset)) continue;
    if (source.indexOf("\n", offset) === -1) break;
    count = i + 1;
  }
  return count;
}

function sameLinks(a: MarkdownLinks, b: MarkdownLinks): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => {
    const x = a[key];
    const y = b[key];
    return x !== undefined && y !== undefined && x.href === y.href &&
      x.title === y.title;
  });
}

/**
 * The incremental renderer of one growing text; see the module docs.
 *
 * @example
 * ```ts
 * const md = new StreamingMarkdown();
 * md.update("# Title\n\nSome"); // { reset: false, committed: "<h1>Title</h1>\n", tail: "<p>Some</p>\n" }
 * md.update("# Title\n\nSome more"); // { reset: false, committed: "", tail: "<p>Some more</p>\n" }
 * ```
 */
export class StreamingMarkdown {
  /** The committed source: a prefix of every text since the last reset. */
  #source = "";
  /** The link definitions in the committed source (first one wins). */
  #links: MarkdownLinks = {};
  /** Every definition of the text when the committed blocks were rendered. */
  #renderedWith: MarkdownLinks = {};

  /** The length of the committed source (what later updates do not lex). */
  get committedLength(): number {
    return this.#source.length;
  }

  /**
   * Brings the rendering up to `text`.
   *
   * @param text The whole text so far (usually the previous one plus more).
   * @returns The HTML to append and the new tail (unsanitised).
   */
  update(text: string): MarkdownStep {
    const source = normalise(text);
    let reset = false;
    if (!source.startsWith(this.#source)) {
      this.#clear();
      reset = true;
    }
    let tokens = lexMarkdown(
      source.slice(this.#source.length),
      this.#links,
    );
    if (this.#source !== "" && !sameLinks(tokens.links, this.#renderedWith)) {
      // a definition appeared or changed: committed links may resolve anew
      this.#clear();
      reset = true;
      tokens = lexMarkdown(source);
    }
    const count = commitCount(source, this.#source.length, tokens);
    let committed = "";
    if (count > 0) {
      const done = tokens.slice(0, count);
      committed = parseMarkdownTokens(done);
      for (const token of done) this.#source += token.raw;
      walkMarkdownTokens(done, (token) => {
        if (token.type === "def" && !Object.hasOwn(this.#links, token.tag)) {
          this.#links[token.tag] = { href: token.href, title: token.title };
        }
      });
      this.#renderedWith = { ...tokens.links };
    }
    return {
      reset,
      committed,
      tail: parseMarkdownTokens(tokens.slice(count)),
    };
  }

  #clear(): void {
    this.#source = "";
    this.#links = {};
    this.#renderedWith = {};
  }
}
