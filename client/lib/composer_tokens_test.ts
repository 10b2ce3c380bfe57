import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { activeToken, commandOf, complete } from "./composer_tokens.ts";

Deno.test("activeToken: @ after the start or a space, / at the start", () => {
  deepStrictEqual(activeToken("look at @src/ma", 15), {
    kind: "file",
    query: "src/ma",
    start: 8,
    end: 15,
  });
  deepStrictEqual(activeToken("@", 1), {
    kind: "file",
    query: "",
    start: 0,
    end: 1,
  });
  deepStrictEqual(activeToken("/hel", 4), {
    kind: "command",
    query: "hel",
    start: 0,
    end: 4,
  });
  strictEqual(activeToken("me@example", 10), undefined);
  strictEqual(activeToken("/hello world", 12), undefined);
  strictEqual(activeToken("a /path", 7), undefined);
  strictEqual(activeToken("@src done", 9), undefined);
  // the caret decides, not the end of the text
  deepStrictEqual(activeToken("@sr and more", 3)?.query, "sr");
});

Deno.test("complete replaces the token and leaves the caret after it", () => {
  deepStrictEqual(
    complete(
      "see @sr",
      { kind: "file", query: "sr", start: 4, end: 7 },
      "src/a.ts",
    ),
    { text: "see @src/a.ts ", caret: 14 },
  );
  deepStrictEqual(
    complete(
      "/he",
      { kind: "command", query: "he", start: 0, end: 3 },
      "hello",
    ),
    { text: "/hello ", caret: 7 },
  );
  deepStrictEqual(
    complete(
      "@sr tail",
      { kind: "file", query: "sr", start: 0, end: 3 },
      "src",
    ),
    { text: "@src tail", caret: 5 },
  );
});

Deno.test("commandOf: only the instance's commands", () => {
  deepStrictEqual(commandOf("/hello the world", ["hello"]), {
    command: "hello",
    arguments: "the world",
  });
  deepStrictEqual(commandOf("  /hello  ", ["hello"]), {
    command: "hello",
    arguments: "",
  });
  strictEqual(commandOf("/unknown x", ["hello"]), undefined);
  strictEqual(commandOf("hello", ["hello"]), undefined);
});
