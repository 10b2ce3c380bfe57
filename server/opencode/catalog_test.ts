import { assertEquals } from "../testing/assert.ts";
import {
  agentsOf,
  type Catalog,
  checkChoice,
  commandsOf,
  modelsOf,
} from "./catalog.ts";
import { effectiveChoice } from "../queue/dispatch.ts";

const models = modelsOf({
  providers: [
    {
      id: "fake",
      name: "Fake",
      models: {
        "fake-model": {
          id: "fake-model",
          name: "Fake Model",
          capabilities: { reasoning: true, toolcall: true },
          limit: { context: 128000, output: 4096 },
          cost: { input: 3, output: 15 },
          variants: { quick: {}, deep: {}, off: { disabled: true } },
        },
        broken: { name: "no id" },
      },
    },
    "not a provider",
    { name: "no id" },
  ],
  default: { fake: "fake-model" },
});

const catalog: Catalog = {
  agents: agentsOf([
    { name: "build", mode: "primary" },
    {
      name: "plan",
      mode: "primary",
      model: { providerID: "fake", modelID: "fake-model" },
    },
    { name: "general", mode: "subagent", description: "Helps" },
    { name: "title", mode: "primary", hidden: true },
    { name: "odd", mode: "weird" },
    5,
  ]),
  models,
  commands: commandsOf([
    {
      name: "init",
      description: "setup",
      source: "command",
      hints: ["$ARGUMENTS", 3],
    },
    { description: "no name" },
  ]),
};

Deno.test("agentsOf, modelsOf, commandsOf read OpenCode's answers and skip what lacks the fields", () => {
  assertEquals(catalog.agents.map((a) => [a.name, a.mode, a.hidden, a.model]), [
    ["build", "primary", false, null],
    ["plan", "primary", false, "fake/fake-model"],
    ["general", "subagent", false, null],
    ["title", "primary", true, null],
  ]);
  assertEquals(models.default, "fake/fake-model");
  assertEquals(models.providers.map((p) => p.models.map((m) => m.ref)), [[
    "fake/fake-model",
  ]]);
  assertEquals(models.providers[0]?.models[0], {
    id: "fake-model",
    ref: "fake/fake-model",
    name: "Fake Model",
    variants: ["quick", "deep"],
    context_limit: 128000,
    output_limit: 4096,
    reasoning: true,
    attachment: false,
    tool_call: true,
    cost: { input: 3, output: 15 },
  });
  assertEquals(catalog.commands, [{
    name: "init",
    description: "setup",
    source: "command",
    hints: ["$ARGUMENTS"],
    subtask: false,
  }]);
  assertEquals(modelsOf(null), { default: null, providers: [] });
  assertEquals(agentsOf({}), []);
});

Deno.test("checkChoice: the field that is not offered", () => {
  assertEquals(checkChoice(catalog, {}), null);
  assertEquals(
    checkChoice(catalog, {
      model: "fake/fake-model",
      variant: "deep",
      agent: "plan",
    }),
    null,
  );
  assertEquals(checkChoice(catalog, { variant: "quick" }), null); // the default model's
  assertEquals(checkChoice(catalog, { model: "fake/x" })?.field, "model");
  assertEquals(checkChoice(catalog, { agent: "general" })?.field, "agent");
  assertEquals(checkChoice(catalog, { agent: "title" })?.field, "agent");
  assertEquals(checkChoice(catalog, { variant: "off" })?.field, "variant");
});

Deno.test("effectiveChoice: named fields win; remembered ones only while offered", () => {
  const remembered = {
    model: "fake/fake-model",
    variant: "deep",
    agent: "plan",
  };
  assertEquals(effectiveChoice(catalog, {}, remembered), remembered);
  assertEquals(
    effectiveChoice(catalog, { agent: "build" }, remembered),
    { ...remembered, agent: "build" },
  );
  assertEquals(
    effectiveChoice(catalog, {}, {
      model: "gone/model",
      variant: "deep",
      agent: "ghost",
    }),
    {},
  );
  // OpenCode's "default" variant is no variant.
  assertEquals(
    effectiveChoice(catalog, {}, {
      model: "fake/fake-model",
      variant: "default",
    }),
    { model: "fake/fake-model" },
  );
});
