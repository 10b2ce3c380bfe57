/**
 * The fake model's long reply (`long-reply <count> [markdown]`): a
 * deterministic text of exactly `count` streamed tokens, for tests and
 * benchmarks of long streams. Every word carries its index, so a lost, doubled
 * or reordered token shows in the text.
 *
 * - `plain`: paragraphs of 20 to 60 words, separated by blank lines. Rendered
 *   as Markdown, its text is the paragraphs one per line
 *   ({@linkcode plainLongReplyLines}).
 * - `markdown`: a cycle of headings, paragraphs with inline marks, bullet and
 *   numbered lists, fenced code, quotes and tables.
 *
 * @module
 */

/** The kinds of long reply. */
export type LongReplyFlavour = "plain" | "markdown";

const WORDS = [
  "flock",
  "agent",
  "stream",
  "token",
  "reply",
  "render",
  "delta",
  "frame",
  "markdown",
  "session",
];

/** The `i`-th word of a long reply. */
function word(i: number): string {
  return `${WORDS[i % WORDS.length]}${i}`;
}

/** Splits text like the fake model streams it: a word and the space after it. */
function tokenize(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** Yields the blocks of a reply, forever. */
function* blocks(flavour: LongReplyFlavour): Generator<string> {
  let w = 0;
  const words = (n: number) =>
    Array.from({ length: n }, () => word(w++)).join(" ");
  for (let k = 0;; k++) {
    if (flavour === "plain") {
      yield words(20 + (k * 7) % 41);
      continue;
    }
    switch (k % 7) {
      case 0:
        yield `## ${words(3)}`;
        break;
      case 1:
        yield `${words(12)} **${words(2)}** and \`${word(w++)}\` ${
          words(10)
        } *${words(2)}*.`;
        break;
      case 2:
        yield Array.from({ length: 4 }, () => `- ${words(5)}`).join("\n");
        break;
      case 3:
        yield Array.from({ length: 3 }, (_, i) => `${i + 1}. ${words(4)}`)
          .join("\n");
        break;
      case 4:
        yield [
          "```ts",
          ...Array.from({ length: 5 }, () => `const ${word(w++)} = ${w};`),
          "```",
        ].join("\n");
        break;
      case 5:
        yield `> ${words(8)}\n> ${words(6)}`;
        break;
      default:
        yield [
          `| ${word(w++)} | ${word(w++)} |`,
          "|---|---|",
          `| ${word(w++)} | ${word(w++)} |`,
          `| ${word(w++)} | ${word(w++)} |`,
        ].join("\n");
    }
  }
}

/**
 * The tokens of a long reply, in streaming order. Their concatenation ends
 * without whitespace (OpenCode keeps the text as streamed).
 *
 * @param count How many tokens (one `message.part.delta` each).
 * @param flavour Plain paragraphs or mixed Markdown.
 * @returns Exactly `count` tokens.
 */
export function longReplyTokens(
  count: number,
  flavour: LongReplyFlavour = "plain",
): string[] {
  const tokens: string[] = [];
  for (const block of blocks(flavour)) {
    if (tokens.length >= count) break;
    const last = tokens.length - 1;
    if (last >= 0) tokens[last] += "\n\n";
    tokens.push(...tokenize(block));
  }
  tokens.length = count;
  tokens[count - 1] = (tokens[count - 1] ?? "").trimEnd();
  return tokens;
}

/**
 * The whole long reply.
 *
 * @param count Its number of tokens.
 * @param flavour Plain paragraphs or mixed Markdown.
 */
export function longReply(
  count: number,
  flavour: LongReplyFlavour = "plain",
): string {
  return longReplyTokens(count, flavour).join("");
}

/**
 * The text of a rendered plain long reply: its paragraphs, one per line (a
 * page's `textContent` of the Markdown, trimmed).
 *
 * @param count Its number of tokens.
 */
export function plainLongReplyLines(count: number): string {
  return longReply(count, "plain").split("\n\n").join("\n");
}

/**
 * The smallest token count whose reply is at least `bytes` long.
 *
 * @param bytes The wanted size in UTF-8 bytes (the reply is ASCII).
 * @param flavour Plain paragraphs or mixed Markdown.
 */
export function longReplyTokenCountFor(
  bytes: number,
  flavour: LongReplyFlavour = "plain",
): number {
  let count = 1;
  while (longReply(count, flavour).length < bytes) count *= 2;
  let low = Math.floor(count / 2);
  while (low + 1 < count) {
    const mid = Math.floor((low + count) / 2);
    if (longReply(mid, flavour).length >= bytes) count = mid;
    else low = mid;
  }
  return count;
}

/** A `long-reply` cue read from a prompt. */
export interface LongReplyCue {
  /** Tokens to stream. */
  count: number;
  flavour: LongReplyFlavour;
  /** Tokens per second; `Infinity` streams as fast as the socket takes them. */
  perSecond: number;
}

/** The largest token count a cue may ask for (about 10 MB of text). */
export const LONG_REPLY_MAX_TOKENS = 1_000_000;

/**
 * Reads `long-reply <count> [plain|markdown] [<n>/s]` from a prompt.
 *
 * @example
 * ```ts
 * parseLongReplyCue("long-reply 2000"); // { count: 2000, flavour: "plain", perSecond: Infinity }
 * parseLongReplyCue("long-reply 500 markdown 200/s"); // { count: 500, flavour: "markdown", perSecond: 200 }
 * ```
 *
 * @param text The prompt.
 * @returns The cue, or null when the prompt has none.
 */
export function parseLongReplyCue(text: string): LongReplyCue | null {
  const match = /long-reply\s+(\d+)(?:\s+(plain|markdown))?(?:\s+(\d+)\/s)?/i
    .exec(text);
  if (!match) return null;
  const count = Math.min(Number(match[1]), LONG_REPLY_MAX_TOKENS);
  if (count < 1) return null;
  const flavour = match[2]?.toLowerCase() === "markdown" ? "markdown" : "plain";
  const rate = match[3] ? Number(match[3]) : 0;
  return { count, flavour, perSecond: rate > 0 ? rate : Infinity };
}
