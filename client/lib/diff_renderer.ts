/**
 * The diff renderer the page loads on demand (its own chunk, like the
 * Markdown renderer): `diff2html` turns one file's unified diff into HTML
 * (line by line, dark colours). Its templates escape the diff's text.
 * `diff-file` imports it dynamically.
 *
 * @module
 */
import { html } from "diff2html";
import { ColorSchemeType } from "diff2html/lib/types.js";

/**
 * One file's unified diff as HTML: its hunks, with old and new line
 * numbers and word-level highlights.
 *
 * @param patch The file's `diff --git` header and hunks.
 * @returns diff2html's markup (text escaped).
 */
export function diffHtml(patch: string): string {
  return html(patch, {
    outputFormat: "line-by-line",
    drawFileList: false,
    matching: "lines",
    diffStyle: "word",
    colorScheme: ColorSchemeType.DARK,
  });
}
