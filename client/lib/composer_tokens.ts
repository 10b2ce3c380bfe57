/**
 * What the composer's autocomplete completes, and how: an `@` file mention
 * at the caret, or a `/` command at the start of the message. Pure.
 *
 * @module
 */

/** The token being typed at the caret. */
export interface ActiveToken {
  /** `file` after `@`, `command` for a leading `/`. */
  kind: "file" | "command";
  /** What follows the `@` or `/` up to the caret. */
  query: string;
  /** Where the token (its `@` or `/`) starts in the text. */
  start: number;
  /** Where it ends (the caret). */
  end: number;
}

/**
 * The token the caret is in, if it is one the composer completes: `@…`
 * preceded by the start or whitespace, or `/…` at the very start (before
 * any whitespace).
 *
 * @example
 * ```ts
 * activeToken("look at @src/ma", 15); // { kind: "file", query: "src/ma", start: 8, end: 15 }
 * activeToken("/hel", 4); // { kind: "command", query: "hel", start: 0, end: 4 }
 * ```
 */
export function activeToken(
  text: string,
  caret: number,
): ActiveToken | undefined {
  const before = text.slice(0, caret);
  const command = /^\/(\S*)$/.exec(before);
  if (command) {
    return { kind: "command", query: command[1] ?? "", start: 0, end: caret };
  }
  const mention = /(^|\s)@(\S*)$/.exec(before);
  if (!mention) return undefined;
  const query = mention[2] ?? "";
  return {
    kind: "file",
    query,
    start: caret - query.length - 1,
    end: caret,
  };
}

/**
 * The text with the token replaced by the completion and a space, and the
 * caret after it.
 *
 * @example
 * ```ts
 * complete("see @sr", { kind: "file", query: "sr", start: 4, end: 7 }, "src/a.ts");
 * // { text: "see @src/a.ts ", caret: 14 }
 * ```
 */
export function complete(
  text: string,
  token: ActiveToken,
  value: string,
): { text: string; caret: number } {
  const inserted = `${token.kind === "file" ? "@" : "/"}${value} `;
  const rest = text.slice(token.end).replace(/^ /, "");
  return {
    text: text.slice(0, token.start) + inserted + rest,
    caret: token.start + inserted.length,
  };
}

/**
 * A message that is a `/` command of the instance: its name and arguments.
 *
 * @param text The message.
 * @param commands The instance's command names.
 * @returns The command, or undefined for a plain message.
 * @example
 * ```ts
 * commandOf("/hello the world", ["hello"]); // { command: "hello", arguments: "the world" }
 * ```
 */
export function commandOf(
  text: string,
  commands: readonly string[],
): { command: string; arguments: string } | undefined {
  const match = /^\/(\S+)(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match || !commands.includes(match[1] ?? "")) return undefined;
  return { command: match[1] ?? "", arguments: (match[2] ?? "").trim() };
}
