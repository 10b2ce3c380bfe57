import { deepStrictEqual } from "node:assert/strict";
import { chunkName, firstPaintFiles } from "./client_bench.ts";

Deno.test("firstPaintFiles: the entry and its static imports, not the dynamic ones", () => {
  const files: Record<string, string> = {
    "app.js":
      'import{a as b}from"./shared-1.js";import"./side.js";const m=()=>import("./lazy-2.js");',
    "shared-1.js": 'export const a=1;import"./deep.js";',
    "side.js": "",
    "deep.js": 'import{a}from"./shared-1.js";',
    "lazy-2.js": 'import{a}from"./only-lazy.js";',
    "only-lazy.js": "",
  };
  deepStrictEqual(
    [...firstPaintFiles((name) => files[name])].sort(),
    ["app.js", "deep.js", "shared-1.js", "side.js"],
  );
});

Deno.test("chunkName: the name without the content hash", () => {
  deepStrictEqual(
    ["code_highlighter-ITQGI67M.js", "chunk-EK7ODJWE.js", "app.js"].map(
      chunkName,
    ),
    ["code_highlighter", "chunk", "app"],
  );
});
