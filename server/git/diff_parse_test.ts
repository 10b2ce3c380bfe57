import { assertEquals, assertThrows } from "../testing/assert.ts";
import { DiffParseError, parseRawNumstat, splitPatch } from "./diff_parse.ts";

const Z = "0".repeat(40);
const A = "45b983be36b73c0788dc9cbcb76cbb80fc7bb057";

Deno.test("parseRawNumstat: statuses, a rename, a binary file, names with spaces and tabs", () => {
  const out = [
    `:100644 000000 ${A} ${Z} D`,
    "gone.txt",
    `:100644 100644 ${A} ${A} M`,
    "bin.dat",
    `:000000 100644 ${Z} ${A} A`,
    "new ü\tfile.txt",
    `:100644 100644 ${A} ${A} R086`,
    "old name.txt",
    "new name.txt",
    `:100644 120000 ${A} ${A} T`,
    "link",
    "0\t1\tgone.txt",
    "-\t-\tbin.dat",
    "3\t0\tnew ü\tfile.txt",
    "2\t1\t",
    "old name.txt",
    "new name.txt",
    "1\t1\tlink",
    "",
  ].join("\0");
  assertEquals(parseRawNumstat(out), [
    {
      file: "gone.txt",
      status: "deleted",
      additions: 0,
      deletions: 1,
      binary: false,
    },
    {
      file: "bin.dat",
      status: "modified",
      additions: 0,
      deletions: 0,
      binary: true,
    },
    {
      file: "new ü\tfile.txt",
      status: "added",
      additions: 3,
      deletions: 0,
      binary: false,
    },
    {
      file: "new name.txt",
      oldFile: "old name.txt",
      status: "renamed",
      additions: 2,
      deletions: 1,
      binary: false,
    },
    {
      file: "link",
      status: "type-changed",
      additions: 1,
      deletions: 1,
      binary: false,
    },
  ]);
  assertEquals(parseRawNumstat(""), []);
});

Deno.test("parseRawNumstat: refuses lists that disagree", () => {
  assertThrows(
    () => parseRawNumstat([`:100644 100644 ${A} ${A} M`, "a", ""].join("\0")),
    DiffParseError,
  );
  assertThrows(
    () =>
      parseRawNumstat(
        [`:100644 100644 ${A} ${A} M`, "a", "1\t1\tb", ""].join("\0"),
      ),
    DiffParseError,
  );
});

Deno.test("splitPatch: one piece per diff --git header, content lines never split", () => {
  const one =
    "diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-diff --git a/y b/y\n+ diff --git\n";
  const two =
    "diff --git a/bin b/bin\nindex 1..2 100644\nBinary files a/bin and b/bin differ\n";
  assertEquals(splitPatch(one + two), [one, two]);
  assertEquals(splitPatch(""), []);
  assertEquals(splitPatch(one), [one]);
});
