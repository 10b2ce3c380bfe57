import { deepStrictEqual, strictEqual } from "node:assert/strict";
import type { ModelsJson } from "../../server/contract/catalog.ts";
import { contextLimitOf, splitModelRef } from "./context_limit.ts";

const models: ModelsJson = {
  default: "fake/fake-model",
  providers: [{
    id: "fake",
    name: "Fake",
    models: [{
      id: "fake-model",
      ref: "fake/fake-model",
      name: "Fake Model",
      variants: [],
      context_limit: 128_000,
      output_limit: 4096,
      reasoning: false,
      attachment: false,
      tool_call: true,
      cost: { input: 0, output: 0 },
    }],
  }],
};

Deno.test("contextLimitOf finds a model's window, or nothing", () => {
  strictEqual(contextLimitOf(models, "fake", "fake-model"), 128_000);
  strictEqual(contextLimitOf(models, "fake", "other"), undefined);
  strictEqual(contextLimitOf(undefined, "fake", "fake-model"), undefined);
});

Deno.test("splitModelRef splits at the first slash", () => {
  deepStrictEqual(splitModelRef("openrouter/a/b"), ["openrouter", "a/b"]);
  strictEqual(splitModelRef("nothing"), undefined);
});
