import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type { DiffFileJson } from "../../server/contract/worktrees.ts";
import {
  branchInput,
  commentTarget,
  diffTotals,
  fileRow,
  refusalText,
} from "./changes_view.ts";

function file(extra: Partial<DiffFileJson> = {}): DiffFileJson {
  return {
    file: "src/a.ts",
    status: "modified",
    additions: 3,
    deletions: 1,
    binary: false,
    patch: "",
    truncated: false,
    ...extra,
  };
}

Deno.test("fileRow: letter, label, rename arrow, binary and truncated notes", () => {
  deepStrictEqual(fileRow(file()), {
    file: "src/a.ts",
    name: "src/a.ts",
    letter: "M",
    label: "modified",
    additions: 3,
    deletions: 1,
    note: null,
  });
  const renamed = fileRow(
    file({ status: "renamed", old_file: "src/old.ts" }),
  );
  strictEqual(renamed.name, "src/old.ts → src/a.ts");
  strictEqual(renamed.letter, "R");
  strictEqual(fileRow(file({ status: "added" })).letter, "A");
  strictEqual(fileRow(file({ status: "deleted" })).label, "deleted");
  strictEqual(fileRow(file({ status: "type-changed" })).letter, "T");
  strictEqual(fileRow(file({ binary: true })).note, "Binary file");
  strictEqual(
    fileRow(file({ truncated: true })).note,
    "The diff is too large to show in full",
  );
});

Deno.test("diffTotals: sums files, additions and deletions", () => {
  deepStrictEqual(diffTotals([]), { files: 0, additions: 0, deletions: 0 });
  deepStrictEqual(
    diffTotals([file(), file({ additions: 10, deletions: 4 })]),
    { files: 2, additions: 13, deletions: 5 },
  );
});

Deno.test("commentTarget: the new line, the old one for a removed line, none for a hunk header", () => {
  deepStrictEqual(
    commentTarget("a.ts", { oldNumber: "", newNumber: " 3 ", content: "x" }),
    { file: "a.ts", line: 3, side: "new", quote: "x" },
  );
  deepStrictEqual(
    commentTarget("a.ts", { oldNumber: "7", newNumber: "8", content: "ctx" }),
    { file: "a.ts", line: 8, side: "new", quote: "ctx" },
  );
  deepStrictEqual(
    commentTarget("a.ts", {
      oldNumber: "2",
      newNumber: "",
      content: "gone\u00a0here\n",
    }),
    { file: "a.ts", line: 2, side: "old", quote: "gone here" },
  );
  strictEqual(
    commentTarget("a.ts", {
      oldNumber: "",
      newNumber: "",
      content: "@@ -1 +1 @@",
    }),
    null,
  );
  strictEqual(
    commentTarget("a.ts", { oldNumber: "0", newNumber: "…", content: "" }),
    null,
  );
});

Deno.test("branchInput: blank is none, spaces become dashes", () => {
  strictEqual(branchInput("   "), null);
  strictEqual(branchInput(" fix the bug "), "fix-the-bug");
  strictEqual(branchInput("feature/x"), "feature/x");
});

Deno.test("refusalText: status, reason and the files, capped", () => {
  strictEqual(
    refusalText("merge", {
      status: 409,
      code: "merge_conflict",
      message: "Cannot merge task-a into main as they conflict.",
      files: ["a.txt", "b.txt"],
    }),
    "Cannot merge (409): Cannot merge task-a into main as they conflict. Files: a.txt, b.txt",
  );
  strictEqual(
    refusalText("commit", {
      status: 0,
      code: "network_error",
      message: "Cannot reach the Flock server",
      files: [],
    }),
    "Cannot commit: Cannot reach the Flock server",
  );
  const many = Array.from({ length: 23 }, (_, i) => `f${i}`);
  const text = refusalText("merge", {
    status: 409,
    code: "uncommitted_changes",
    message: "dirty",
    files: many,
  });
  strictEqual(text.endsWith("f19 and 3 more"), true, text);
});
