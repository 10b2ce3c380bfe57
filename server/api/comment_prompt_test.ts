import { assertEquals } from "../testing/assert.ts";
import { commentPrompt } from "./comment_prompt.ts";

Deno.test("commentPrompt: file, line, the quoted lines, the comment", () => {
  assertEquals(
    commentPrompt({
      file: "src/a.ts",
      line: 3,
      quote: "let x = 1;\r\nlet y = 2;\n",
      comment: "  Use const  ",
    }),
    "Comment on src/a.ts line 3:\n\n> let x = 1;\n> let y = 2;\n\nUse const",
  );
  assertEquals(
    commentPrompt({ file: "b", line: 1, quote: " ", comment: "Why?" }),
    "Comment on b line 1:\n\nWhy?",
  );
});
