import { strictEqual } from "node:assert/strict";
import {
  escapeHtml,
  isAllowedClass,
  renderMarkdown,
  SANITIZE_CONFIG,
} from "./markdown.ts";

Deno.test("the sanitiser config strips inline styles and active content", () => {
  for (const attr of ["style", "srcset", "formaction"]) {
    strictEqual(SANITIZE_CONFIG.FORBID_ATTR?.includes(attr), true, attr);
  }
  for (const tag of ["style", "script", "iframe", "form", "object"]) {
    strictEqual(SANITIZE_CONFIG.FORBID_TAGS?.includes(tag), true, tag);
  }
  strictEqual(SANITIZE_CONFIG.ALLOW_DATA_ATTR, false);
});

Deno.test("only language classes on code survive", () => {
  strictEqual(isAllowedClass("CODE", "language-ts"), true);
  strictEqual(isAllowedClass("code", "language-c++"), true);
  strictEqual(isAllowedClass("div", "language-ts"), false);
  strictEqual(isAllowedClass("code", "fixed inset-0"), false);
  strictEqual(isAllowedClass("code", "language-ts fixed"), false);
});

Deno.test("without a DOM, rendering fails safe to escaped text", () => {
  strictEqual(
    renderMarkdown("<img src=x onerror=alert(1)>"),
    "<p>&#60;img src=x onerror=alert(1)&#62;</p>",
  );
  strictEqual(escapeHtml(`a&"'`), "a&#38;&#34;&#39;");
});
