/**
 * The prompt a comment on a diff line becomes (pure).
 *
 * @module
 */

/** A comment on a line of a session's diff. */
export interface DiffComment {
  file: string;
  line: number;
  /** The line (or lines) commented on, as the diff shows them. */
  quote: string;
  comment: string;
}

/**
 * The message sent to the agent: where, the quoted lines, the comment.
 *
 * @example
 * ```ts
 * commentPrompt({ file: "a.ts", line: 3, quote: "let x = 1;", comment: "Use const" });
 * // "Comment on a.ts line 3:\n\n> let x = 1;\n\nUse const"
 * ```
 */
export function commentPrompt(c: DiffComment): string {
  const quoted = c.quote.replace(/\r\n?/g, "\n").replace(/\n+$/, "")
    .split("\n").map((line) => `> ${line}`).join("\n");
  const head = `Comment on ${c.file} line ${c.line}:`;
  return c.quote.trim() === ""
    ? `${head}\n\n${c.comment.trim()}`
    : `${head}\n\n${quoted}\n\n${c.comment.trim()}`;
}
