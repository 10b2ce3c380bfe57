import { assertEquals, assertThrows } from "../testing/assert.ts";
import {
  countStoriesRemaining,
  ENGINE_VARIABLES,
  engineVariables,
  fillTemplate,
  formatCompletedStories,
  formatStory,
  missingKeys,
  MissingTemplateKeysError,
  NO_PROGRESS,
  templateContext,
  templateKeys,
  type TemplateStory,
} from "./template.ts";

const story = (id: string, status: string): TemplateStory => ({
  id,
  title: `Title ${id}`,
  description: `Describe ${id}.`,
  acceptanceCriteria: ["It works", "Typecheck passes"],
  status,
});

Deno.test("templateKeys lists each key once, in order, with or without spaces", () => {
  assertEquals(
    templateKeys("{{task}} {{ repo }} {{task}} {{a.b}} {{ }} {x} {{-y}}"),
    [
      "task",
      "repo",
      "a.b",
    ],
  );
  assertEquals(templateKeys("no keys"), []);
});

Deno.test("missingKeys finds keys as written or lower-cased", () => {
  assertEquals(
    missingKeys("{{task}} {{REPO}} {{branch}}", { task: "t", repo: "/r" }),
    ["branch"],
  );
  assertEquals(missingKeys("{{toString}} {{__proto__}}", {}), [
    "toString",
    "__proto__",
  ]);
  assertEquals(missingKeys("{{x}}", { x: "" }), []);
});

Deno.test("fillTemplate fills in one pass and refuses holes", () => {
  assertEquals(
    fillTemplate("Fix {{ task }} in {{REPO}}", {
      task: "{{repo}}",
      repo: "/r",
    }),
    "Fix {{repo}} in /r",
  );
  assertEquals(fillTemplate("$& $1 {{v}}", { v: "$& $$" }), "$& $1 $& $$");
  const error = assertThrows(
    () => fillTemplate("{{a}} {{b}} {{a}}", { b: "x" }),
    MissingTemplateKeysError,
  );
  assertEquals(error.keys, ["a"]);
  assertEquals(
    error.message,
    "Cannot fill the template as a key is missing: a",
  );
  const two = assertThrows(
    () => fillTemplate("{{a}} {{c}}", {}),
    MissingTemplateKeysError,
  );
  assertEquals(
    two.message,
    "Cannot fill the template as keys are missing: a, c",
  );
});

Deno.test("stories are formatted as antfarm shows them", () => {
  assertEquals(
    formatStory(story("S-1", "running")),
    "Story S-1: Title S-1\n\nDescribe S-1.\n\nAcceptance Criteria:\n  1. It works\n  2. Typecheck passes",
  );
  assertEquals(formatCompletedStories([]), "(none yet)");
  assertEquals(
    formatCompletedStories([
      story("S-1", "done"),
      story("S-2", "running"),
      story("S-3", "done"),
    ]),
    "- S-1: Title S-1\n- S-3: Title S-3",
  );
  assertEquals(
    countStoriesRemaining([
      story("a", "done"),
      story("b", "running"),
      story("c", "pending"),
      story("d", "verifying"),
      story("e", "skipped"),
    ]),
    "3",
  );
});

Deno.test("engineVariables gives every listed variable when all inputs are known", () => {
  const vars = engineVariables({
    task: "Add login",
    runId: "run-7",
    story: story("S-2", "running"),
    stories: [story("S-1", "done"), story("S-2", "running")],
    verifyFeedback: "- add a test",
    progress: "## Patterns",
    hasFrontendChanges: true,
  });
  assertEquals(Object.keys(vars).sort(), [...ENGINE_VARIABLES].sort());
  assertEquals(vars.current_story_id, "S-2");
  assertEquals(vars.current_story_title, "Title S-2");
  assertEquals(vars.stories_remaining, "1");
  assertEquals(vars.completed_stories, "- S-1: Title S-1");
  assertEquals(vars.verify_feedback, "- add a test");
  assertEquals(vars.has_frontend_changes, "true");
  assertEquals(vars.progress, "## Patterns");
  assertEquals(vars.run_id, "run-7");
});

Deno.test("engineVariables leaves out what an attempt does not have", () => {
  const vars = engineVariables({
    task: "t",
    runId: "r",
    story: null,
    stories: [],
    verifyFeedback: null,
  });
  assertEquals(vars, {
    task: "t",
    run_id: "r",
    completed_stories: "(none yet)",
    stories_remaining: "0",
    verify_feedback: "",
  });
  const gathered = engineVariables({
    task: "t",
    runId: "r",
    story: null,
    stories: [],
    verifyFeedback: null,
    progress: null,
    hasFrontendChanges: false,
  });
  assertEquals([gathered.progress, gathered.has_frontend_changes], [
    NO_PROGRESS,
    "false",
  ]);
});

Deno.test("engine variables win over outputs of the same name", () => {
  const context = templateContext({ task: "from an agent", repo: "/r" }, {
    task: "the task",
  });
  assertEquals(context, { task: "the task", repo: "/r" });
});
