/**
 * Syntax highlighting for code blocks, a chunk of its own that the page
 * loads only when a code block first appears (`code_blocks.ts`).
 *
 * highlight.js (core + the languages below) rather than Shiki: its core
 * and these grammars are about 20 KB gzipped and highlight synchronously
 * with plain regular expressions; Shiki needs TextMate grammars and a regex
 * engine (Oniguruma WASM, or its JS engine) plus a theme, several times the
 * size for the same languages. highlight.js escapes every piece of source
 * text it emits and adds only `<span class="hljs-…">`, so its output is
 * inserted as HTML as is.
 *
 * @module
 */
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import c from "highlight.js/lib/languages/c";
import css from "highlight.js/lib/languages/css";
import diff from "highlight.js/lib/languages/diff";
import dockerfile from "highlight.js/lib/languages/dockerfile";
import go from "highlight.js/lib/languages/go";
import ini from "highlight.js/lib/languages/ini";
import java from "highlight.js/lib/languages/java";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import makefile from "highlight.js/lib/languages/makefile";
import markdown from "highlight.js/lib/languages/markdown";
import python from "highlight.js/lib/languages/python";
import rust from "highlight.js/lib/languages/rust";
import shell from "highlight.js/lib/languages/shell";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";

const LANGUAGES = {
  bash,
  c,
  css,
  diff,
  dockerfile,
  go,
  ini,
  java,
  javascript,
  json,
  makefile,
  markdown,
  python,
  rust,
  shell,
  sql,
  typescript,
  xml,
  yaml,
};
for (const [name, language] of Object.entries(LANGUAGES)) {
  hljs.registerLanguage(name, language);
}

/**
 * Highlights code in a language (by name or alias: `ts`, `sh`, `py`, …).
 *
 * @param code The code, as text.
 * @param language The fence's language.
 * @returns HTML (the code escaped, in `hljs-…` spans), or undefined for a
 *   language it does not know.
 */
export function highlightCode(
  code: string,
  language: string,
): string | undefined {
  if (!hljs.getLanguage(language)) return undefined;
  return hljs.highlight(code, { language, ignoreIllegals: true }).value;
}
