import { strictEqual } from "node:assert/strict";
import type { TemplateResult } from "lit";
import { dialogHeader } from "./dialog_header.ts";

/** The template's markup with each binding written as `{value}`. */
function markup(template: TemplateResult): string {
  return template.strings.reduce(
    (text, part, i) =>
      i === 0 ? part : `${text}{${String(template.values[i - 1])}}${part}`,
    "",
  );
}

Deno.test("dialog header: names the heading and closes on the ✕", () => {
  let closed = 0;
  const template = dialogHeader({
    id: "start-run-title",
    title: "Start a run",
    onClose: () => closed++,
  });
  const text = markup(template);
  strictEqual(text.includes("<h2 id={start-run-title}"), true);
  strictEqual(text.includes(">{Start a run}</h2>"), true);
  strictEqual(text.includes('aria-label="Close dialog"'), true);
  strictEqual(text.includes("size-11"), true);
  strictEqual(text.includes("border-b"), false);
  const click = template.values.find((v) => typeof v === "function");
  if (typeof click !== "function") throw new Error("no click handler");
  click();
  strictEqual(closed, 1);
});

Deno.test("dialog header: the bar layout is bordered with a compact ✕", () => {
  const text = markup(dialogHeader({
    id: "new-instance-title",
    title: "New instance",
    onClose: () => {},
    layout: "bar",
  }));
  strictEqual(text.includes("border-b border-gray-800"), true);
  strictEqual(text.includes("size-8"), true);
  strictEqual(text.includes("size-11"), false);
});
