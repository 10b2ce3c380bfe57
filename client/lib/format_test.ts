import { strictEqual } from "node:assert/strict";
import { basename, formatValue, relativeTime } from "./format.ts";

Deno.test("basename", () => {
  strictEqual(basename("/home/me/project"), "project");
  strictEqual(basename("/home/me/project/"), "project");
  strictEqual(basename("/"), "/");
  strictEqual(basename("x"), "x");
});

Deno.test("relativeTime", () => {
  const now = Date.parse("2026-01-01T12:00:00Z");
  strictEqual(relativeTime("2026-01-01T11:59:50Z", now), "just now");
  strictEqual(relativeTime("2026-01-01T11:55:00Z", now), "5 min ago");
  strictEqual(relativeTime("2026-01-01T09:00:00Z", now), "3 h ago");
  strictEqual(relativeTime("2025-12-30T12:00:00Z", now), "2 d ago");
  strictEqual(relativeTime("nope", now), "");
});

Deno.test("formatValue", () => {
  strictEqual(formatValue("ls"), "ls");
  strictEqual(formatValue({ a: 1 }), '{\n  "a": 1\n}');
  strictEqual(formatValue(undefined), "undefined");
});
