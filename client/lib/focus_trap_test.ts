import { strictEqual } from "node:assert/strict";
import { nextFocusIndex } from "./focus_trap.ts";

Deno.test("Tab wraps at both ends", () => {
  strictEqual(nextFocusIndex(0, 3, false), 1);
  strictEqual(nextFocusIndex(2, 3, false), 0);
  strictEqual(nextFocusIndex(0, 3, true), 2);
  strictEqual(nextFocusIndex(-1, 3, false), 0);
  strictEqual(nextFocusIndex(-1, 3, true), 2);
  strictEqual(nextFocusIndex(0, 0, false), -1);
});
