import { ok, strictEqual } from "node:assert/strict";
import { prng } from "../../server/testing/fuzz/random.ts";
import { longReplyTokens } from "../../server/testing/long_reply.ts";
import { lexMarkdown, parseMarkdownTokens } from "./markdown.ts";
import { StreamingMarkdown } from "./markdown_stream.ts";

/** What marked makes of the whole text at once. */
function full(text: string): string {
  return parseMarkdownTokens(lexMarkdown(text));
}

/**
 * Feeds `chunks` one by one and checks that after every `checkEvery`-th step
 * (and the last) the committed HTML plus the tail is exactly the full parse
 * of the text so far.
 *
 * @returns The committed length at the end and the longest tail lexed.
 */
function stream(chunks: readonly string[], label: string, checkEvery = 1) {
  const md = new StreamingMarkdown();
  let text = "";
  let committed = "";
  let longestTail = 0;
  let resets = 0;
  for (const [i, chunk] of chunks.entries()) {
    text += chunk;
    const before = md.committedLength;
    const step = md.update(text);
    if (step.reset) {
      committed = "";
      resets++;
    }
    // the tail lexed for this step is what followed the committed text
    longestTail = Math.max(
      longestTail,
      text.length - (step.reset ? 0 : before),
    );
    committed += step.committed;
    if (i % checkEvery !== 0 && i !== chunks.length - 1) continue;
    const expected = full(text);
    if (committed + step.tail !== expected) {
      strictEqual(
        committed + step.tail,
        expected,
        `${label}: differs after ${JSON.stringify(text.slice(-80))}`,
      );
    }
  }
  return { committedLength: md.committedLength, longestTail, resets };
}

/** Splits into one-character chunks. */
const chars = (text: string) => [...text];

/** Splits into word-sized chunks (what a model streams). */
const words = (text: string) => text.match(/\S+\s*|\s+/g) ?? [];

/** Splits at random places. */
function randomCuts(text: string, random: () => number): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    const size = 1 + Math.floor(random() * 12);
    out.push(text.slice(at, at + size));
    at += size;
  }
  return out;
}

/** Documents that probe where a naive split would go wrong. */
const TRICKY = [
  "para one\n\npara two\n\npara three",
  "# Title\ntext right under\n\nmore",
  "Setext\n===\n\nnext\n---\n\nafter",
  "a line\n\n---\n\nb line\n\n***\nc",
  "- a\n- b\n\npara after list\n",
  "- a\n\n- b\n\n- c\n\nloose list then para",
  "1. one\n\n2. two\n\n3. three\n\nend",
  "1. one\n2. two\n\n10. ten\n\nx",
  "- a\n\n  continued in item\n\n- b\n\n    code in item\n\nout",
  "- a\n\n x\n\n- b",
  "- a\n  - nested\n\n    - deeper\n\nend",
  "* star\n\n+ plus\n\n- minus\n",
  "para\n\n    indented code\n\n    more code\n\nafter",
  "para\n    lazy continuation\n\nnext",
  "```\ncode\n\nwith blank lines\n\n```\n\nafter fence\n",
  "```ts\nconst a = 1;\n\n\nconst b = 2;\n```\ntext right after\n\nz",
  "~~~\nunclosed fence\n\nstill code",
  "> quote\n\n> another quote\n\n> > nested\n\nout",
  "> quote\nlazy line\n\nafter",
  "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n\nafter table\n\n| x |\n|---|\n",
  "| not | a table\n\n|---|---|\n",
  "<div>\nraw html\n</div>\n\n<pre>\n\nkept\n\n</pre>\n\nafter\n",
  "<!-- comment\n\nstill comment -->\n\ntext",
  "[ref] and [other][o] early\n\n[ref]: https://a.example/one\n\n[o]: https://b.example 'Title'\n\nlate [ref]",
  "use [x] before\n\n[x]: https://first.example\n\n[x]: https://second.example\n\n[x] again",
  "> [q]: https://quoted.example\n\n[q]\n",
  "- [l]: https://listed.example\n\n[l]\n",
  "**bold\n\nacross** blocks and *em*\n\n_under_ `code` ~~del~~",
  "line one\nline two (breaks)\n\n  \n\t\n\nafter blank lines with spaces",
  "trailing spaces  \nhard break\n\nend  ",
  "a\r\nwindows\r\n\r\nlines\rold mac\r\rend",
  "\n\n\nleading blank lines\n\n",
  "text\n\n    \n\n    code after blank-ish\n",
  "# h1\n## h2\n### h3\n\n####### not a heading\n\n#hashtag",
  "- [ ] task\n- [x] done\n\nafter tasks",
  "www.autolink.example and https://x.example/path.\n\n<https://angle.example>",
  "Term\n: not a definition list\n\n> end",
];

Deno.test("streamed one character at a time, every step equals a full parse", () => {
  for (const [i, doc] of TRICKY.entries()) stream(chars(doc), `tricky ${i}`);
});

Deno.test("streamed word by word, every step equals a full parse", () => {
  for (const [i, doc] of TRICKY.entries()) stream(words(doc), `tricky ${i}`);
  stream(words(TRICKY.join("\n\n")), "all tricky documents in one");
});

const BLOCKS: ((r: () => number) => string)[] = [
  () =>
    "A paragraph with **bold**, *em*, `code` and a [link](https://x.example).",
  () => "Two lines\nin one paragraph.",
  () => "## A heading",
  () => "Setext heading\n---",
  () => "- item one\n- item two\n- item three",
  () => "- loose one\n\n- loose two",
  () => "1. first\n2. second",
  () => "3. third\n\n4. fourth",
  () => "- outer\n  - inner\n\n  inner paragraph",
  () => "```js\nlet x = 1;\n\nx++;\n```",
  () => "    indented code\n\n    still code",
  () => "> a quote\n> on two lines",
  () => "| h1 | h2 |\n|----|----|\n| c1 | c2 |",
  () => "---",
  () => "<details>\n<summary>raw</summary>\n</details>",
  (r) =>
    `[d${Math.floor(r() * 3)}]: https://def.example/${Math.floor(r() * 9)}`,
  (r) => `See [d${Math.floor(r() * 3)}] here.`,
  () => "- [ ] a task",
  () => "trailing spaces  \nbreak",
];

function randomDocument(random: () => number): string {
  const count = 3 + Math.floor(random() * 14);
  let doc = "";
  for (let i = 0; i < count; i++) {
    const block = BLOCKS[Math.floor(random() * BLOCKS.length)] as (
      r: () => number,
    ) => string;
    const gap = random() < 0.8 ? "\n\n" : random() < 0.5 ? "\n" : "\n\n\n";
    doc += (i === 0 ? "" : gap) + block(random);
  }
  return doc;
}

Deno.test("random documents cut at random places equal a full parse at every step", () => {
  const seed = 20261201;
  const random = prng(seed);
  for (let i = 0; i < 80; i++) {
    const doc = randomDocument(random);
    stream(randomCuts(doc, random), `seed ${seed}, document ${i}`);
  }
});

Deno.test("a long reply is lexed a little at a time", () => {
  for (const flavour of ["plain", "markdown"] as const) {
    const tokens = longReplyTokens(3000, flavour);
    const text = tokens.join("");
    const { committedLength, longestTail, resets } = stream(
      tokens,
      flavour,
      97,
    );
    strictEqual(resets, 0);
    ok(committedLength > text.length * 0.9, `${committedLength} committed`);
    // the work per step is bounded by a block or two, not the whole text
    ok(longestTail < 2500, `the longest tail lexed was ${longestTail}`);
    ok(text.length > 15_000, `${text.length} characters`);
  }
});

Deno.test("a text that is not an extension starts over", () => {
  const md = new StreamingMarkdown();
  md.update("first\n\nsecond\n\nthird");
  ok(md.committedLength > 0);
  const step = md.update("other\n\ntext");
  strictEqual(step.reset, true);
  strictEqual(step.committed + step.tail, full("other\n\ntext"));
});

Deno.test("a new link definition re-renders the committed blocks", () => {
  const md = new StreamingMarkdown();
  md.update("see [a]\n\nmore\n\nand more\n\n");
  const step = md.update(
    "see [a]\n\nmore\n\nand more\n\n[a]: https://a.example\n",
  );
  strictEqual(step.reset, true);
  strictEqual(
    step.committed + step.tail,
    full("see [a]\n\nmore\n\nand more\n\n[a]: https://a.example\n"),
  );
  ok(step.committed.includes('href="https://a.example"'));
});
