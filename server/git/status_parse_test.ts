import { assertEquals, assertThrows } from "../testing/assert.ts";
import {
  parseStatusV2,
  StatusParseError,
  touchesTrackedFile,
} from "./status_parse.ts";

const SHA = "45b983be36b73c0788dc9cbcb76cbb80fc7bb057";

Deno.test("parseStatusV2: changed, renamed (spaces, unicode), unmerged, untracked, ignored", () => {
  const out = [
    "# branch.oid " + SHA,
    `1 .M N... 100644 100644 100644 ${SHA} ${SHA} a file.txt`,
    `2 R. N... 100644 100644 100644 ${SHA} ${SHA} R100 new ü name.txt`,
    "old name.txt",
    `2 C. N... 100644 100644 100644 ${SHA} ${SHA} C75 copy.txt`,
    "orig.txt",
    `u UU N... 100644 100644 100644 100644 ${SHA} ${SHA} ${SHA} both.txt`,
    "? new\nline.txt",
    "! ignored.log",
    "",
  ].join("\0");
  const entries = parseStatusV2(out);
  assertEquals(entries, [
    { path: "a file.txt", kind: "changed", index: ".", worktree: "M" },
    {
      path: "new ü name.txt",
      origPath: "old name.txt",
      kind: "renamed",
      index: "R",
      worktree: ".",
    },
    {
      path: "copy.txt",
      origPath: "orig.txt",
      kind: "copied",
      index: "C",
      worktree: ".",
    },
    { path: "both.txt", kind: "unmerged", index: "U", worktree: "U" },
    { path: "new\nline.txt", kind: "untracked", index: "?", worktree: "?" },
    { path: "ignored.log", kind: "ignored", index: "!", worktree: "!" },
  ]);
  assertEquals(entries.map(touchesTrackedFile), [
    true,
    true,
    true,
    true,
    false,
    false,
  ]);
});

Deno.test("parseStatusV2: empty output and bad records", () => {
  assertEquals(parseStatusV2(""), []);
  assertThrows(() => parseStatusV2("x what\0"), StatusParseError);
  assertThrows(() => parseStatusV2("1 .M N...\0"), StatusParseError);
  assertThrows(
    () => parseStatusV2(`2 R. N... 1 1 1 ${SHA} ${SHA} R100 x`),
    StatusParseError,
  );
});
