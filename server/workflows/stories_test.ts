import { assertEquals } from "../testing/assert.ts";
import { MAX_STORIES, parseStories } from "./stories.ts";

const item = (id: unknown, extra: Record<string, unknown> = {}) => ({
  id,
  title: "T",
  description: "D",
  acceptanceCriteria: ["ok"],
  ...extra,
});

Deno.test("valid stories parse, trimmed, with either criteria spelling", () => {
  const result = parseStories(JSON.stringify([
    item(" S-1 ", { title: " Schema ", severity: "high" }),
    { id: 2, title: "API", description: "POST", acceptance_criteria: ["201"] },
  ]));
  assertEquals(result, {
    ok: true,
    stories: [
      {
        id: "S-1",
        title: "Schema",
        description: "D",
        acceptanceCriteria: ["ok"],
      },
      {
        id: "2",
        title: "API",
        description: "POST",
        acceptanceCriteria: ["201"],
      },
    ],
  });
  assertEquals(parseStories("[]"), { ok: true, stories: [] });
});

Deno.test("bad JSON, non-lists and too many stories are refused clearly", () => {
  const json = parseStories("[{");
  assertEquals(json.ok, false);
  if (!json.ok) {
    assertEquals(
      json.errors[0]!.startsWith("STORIES_JSON is not valid JSON: "),
      true,
    );
  }
  assertEquals(parseStories('{"id":1}'), {
    ok: false,
    errors: ["STORIES_JSON must be a list, got an object"],
  });
  assertEquals(parseStories('"x"'), {
    ok: false,
    errors: ["STORIES_JSON must be a list, got a string"],
  });
  const many = JSON.stringify(
    Array.from({ length: MAX_STORIES + 1 }, (_, i) => item(`S-${i}`)),
  );
  assertEquals(parseStories(many), {
    ok: false,
    errors: ["STORIES_JSON has 21 stories; the limit is 20"],
  });
  const max = JSON.stringify(
    Array.from({ length: MAX_STORIES }, (_, i) => item(`S-${i}`)),
  );
  assertEquals(parseStories(max).ok, true);
});

Deno.test("every bad story field is named", () => {
  const result = parseStories(JSON.stringify([
    "text",
    { id: "", title: 1, description: "  ", acceptanceCriteria: [] },
    item("A", { acceptanceCriteria: ["ok", 3] }),
    item("B"),
    item("B"),
    item("x".repeat(101)),
    null,
  ]));
  assertEquals(result, {
    ok: false,
    errors: [
      "STORIES_JSON[0]: expected an object, got a string",
      "STORIES_JSON[1].id: expected a non-empty string",
      "STORIES_JSON[1].title: expected a non-empty string",
      "STORIES_JSON[1].description: expected a non-empty string",
      "STORIES_JSON[1].acceptanceCriteria: expected a non-empty list of non-empty strings",
      "STORIES_JSON[2].acceptanceCriteria: expected a non-empty list of non-empty strings",
      'STORIES_JSON[4].id: duplicate id "B" (also STORIES_JSON[3])',
      "STORIES_JSON[5].id: longer than 100 characters",
      "STORIES_JSON[6]: expected an object, got null",
    ],
  });
});
