import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type { TemplateResult } from "lit";
import { dialogActions, dialogButtonClass } from "./dialog_actions.ts";

/**
 * The template's bindings, each named after the attribute it sets (the
 * string before it ends `name=`) or `text` for element content, in order.
 */
function bindings(template: TemplateResult): [string, unknown][] {
  return template.values.map((value, i) => {
    const before = template.strings[i] ?? "";
    const attribute = /([?@.]?[\w-]+)=$/.exec(before);
    return [attribute?.[1] ?? "text", value];
  });
}

Deno.test("dialog buttons: every kind and size has its classes", () => {
  strictEqual(
    dialogButtonClass("cancel"),
    dialogButtonClass("cancel", "compact"),
  );
  strictEqual(dialogButtonClass("primary", "touch").includes("min-h-11"), true);
  strictEqual(dialogButtonClass("primary").includes("py-1.5"), true);
  strictEqual(dialogButtonClass("primary").includes("bg-indigo-500"), true);
  strictEqual(dialogButtonClass("danger").includes("bg-red-600"), true);
  strictEqual(dialogButtonClass("cancel").includes("ring-gray-700"), true);
});

Deno.test("dialog actions: idle, the submit button is enabled and says its label", () => {
  let cancelled = 0;
  const template = dialogActions({
    submitLabel: "Install",
    busyLabel: "Installing…",
    busy: false,
    onCancel: () => cancelled++,
  });
  const found = bindings(template);
  deepStrictEqual(found.map(([name]) => name), [
    "class",
    "@click",
    "text",
    "?data-submit",
    "?data-create-session",
    "?disabled",
    "class",
    "text",
  ]);
  const value = (name: string, nth = 0) =>
    found.filter(([n]) => n === name)[nth]?.[1];
  strictEqual(value("text"), "Cancel");
  strictEqual(value("text", 1), "Install");
  strictEqual(value("?disabled"), false);
  strictEqual(value("?data-submit"), true);
  strictEqual(value("?data-create-session"), false);
  strictEqual(value("class"), dialogButtonClass("cancel", "compact"));
  strictEqual(value("class", 1), dialogButtonClass("primary", "compact"));
  const click = value("@click");
  if (typeof click !== "function") throw new Error("no click handler");
  click();
  strictEqual(cancelled, 1);
});

Deno.test("dialog actions: busy, the submit button is disabled and says so", () => {
  const found = bindings(dialogActions({
    submitLabel: "Save",
    busyLabel: "Saving…",
    busy: true,
    onCancel: () => {},
    cancelLabel: "Close",
    size: "touch",
    marker: "create-session",
  }));
  const value = (name: string, nth = 0) =>
    found.filter(([n]) => n === name)[nth]?.[1];
  strictEqual(value("text"), "Close");
  strictEqual(value("text", 1), "Saving…");
  strictEqual(value("?disabled"), true);
  strictEqual(value("?data-submit"), false);
  strictEqual(value("?data-create-session"), true);
  strictEqual(value("class"), dialogButtonClass("cancel", "touch"));
});
