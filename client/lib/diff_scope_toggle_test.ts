import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type { TemplateResult } from "lit";
import type { DiffScope } from "../../server/contract/worktrees.ts";
import { diffScopeToggle } from "./diff_scope_toggle.ts";

Deno.test("diff scope toggle: one button per scope in order, the current one pressed, a click chooses its scope", () => {
  const chosen: DiffScope[] = [];
  const toggle = diffScopeToggle(
    [["branch", "Whole branch"], ["working", "Uncommitted"]],
    "working",
    (scope) => chosen.push(scope),
  );
  const buttons = toggle.values[0];
  if (!Array.isArray(buttons)) throw new Error("expected the buttons");
  const seen = buttons.map((button: TemplateResult) => {
    const [scope, pressed, classes, click, label] = button.values;
    if (typeof click === "function") click();
    return [scope, pressed, String(classes), label];
  });
  deepStrictEqual(
    seen.map(([scope, pressed, , label]) => [scope, pressed, label]),
    [
      ["branch", "false", "Whole branch"],
      ["working", "true", "Uncommitted"],
    ],
  );
  strictEqual(seen[1]?.[2], "bg-gray-700 text-gray-100");
  strictEqual(seen[0]?.[2], "text-gray-400 hover:bg-gray-800");
  deepStrictEqual(chosen, ["branch", "working"]);
});
