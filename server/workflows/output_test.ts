import { assertEquals } from "../testing/assert.ts";
import { checkExpects, judgeReply, parseOutput } from "./output.ts";

Deno.test("KEY: value lines, multi-line values, lower-cased keys", () => {
  const parsed = parseOutput(
    "Here is my report.\nSTATUS: done\nREPO: /repo\nISSUES:\n- one\n- two\n\nTEST_CMD: npm test\r\nnot a Key: x\n",
  );
  assertEquals(parsed.values, {
    status: "done",
    repo: "/repo",
    issues: "- one\n- two",
    test_cmd: "npm test\nnot a Key: x",
  });
  assertEquals(parsed.status, "done");
  assertEquals(parsed.storiesJson, null);
});

Deno.test("a later key replaces an earlier one; text before the first key is ignored", () => {
  assertEquals(parseOutput("STATUS: retry\nSTATUS: done").values, {
    status: "done",
  });
  assertEquals(parseOutput("just prose").values, {});
  assertEquals(parseOutput("").status, null);
});

Deno.test("STATUS gives its first word, lower-cased", () => {
  assertEquals(parseOutput("STATUS: Done.").status, "done");
  assertEquals(parseOutput("STATUS: RETRY - see issues").status, "retry");
  assertEquals(parseOutput("STATUS:").status, null);
});

Deno.test("STORIES_JSON is kept apart, fences dropped", () => {
  const parsed = parseOutput(
    'STATUS: done\nSTORIES_JSON:\n```json\n[{"id": "S-1",\n  "title": "x"}]\n```\nBRANCH: b',
  );
  assertEquals(parsed.storiesJson, '[{"id": "S-1",\n  "title": "x"}]');
  assertEquals(parsed.values, { status: "done", branch: "b" });
});

Deno.test("expects: KEY: value compares the key, anything else a substring", () => {
  const reply = "STATUS: Done!\nDECISION: approved";
  const parsed = parseOutput(reply);
  assertEquals(checkExpects("STATUS: done", parsed, reply), { ok: true });
  assertEquals(checkExpects(" DECISION: APPROVED ", parsed, reply), {
    ok: true,
  });
  assertEquals(checkExpects("STATUS: retry", parsed, reply), {
    ok: false,
    reason: 'expected "STATUS: retry", got "STATUS: Done!"',
  });
  assertEquals(checkExpects("PR: x", parsed, reply), {
    ok: false,
    reason: 'expected "PR: x", but the reply has no PR line',
  });
  assertEquals(checkExpects("approved", parsed, reply), { ok: true });
  assertEquals(checkExpects("LGTM", parsed, reply), {
    ok: false,
    reason: 'the reply does not contain "LGTM"',
  });
});

Deno.test("judgeReply: passed, retry with feedback, failed with a reason", () => {
  const passed = judgeReply("STATUS: done\nCHANGES: x", "STATUS: done", false);
  assertEquals(passed.kind, "passed");
  const issues = judgeReply(
    "STATUS: retry\nISSUES:\n- a\nFAILURES: f",
    "STATUS: done",
    false,
  );
  assertEquals(issues.kind === "retry" && issues.feedback, "- a");
  const failures = judgeReply(
    "STATUS: retry\nFAILURES:\n- f",
    "STATUS: done",
    false,
  );
  assertEquals(failures.kind === "retry" && failures.feedback, "- f");
  const feedback = judgeReply(
    "STATUS: retry\nDECISION: changes\nFEEDBACK: fix it",
    "STATUS: done",
    false,
  );
  assertEquals(feedback.kind === "retry" && feedback.feedback, "fix it");
  const bare = judgeReply("STATUS: retry", "STATUS: done", false);
  assertEquals(bare.kind === "retry" && bare.feedback, "STATUS: retry");
  const failed = judgeReply("STATUS: failed\nREASON: x", "STATUS: done", false);
  assertEquals(
    failed.kind === "failed" && failed.reason,
    'expected "STATUS: done", got "STATUS: failed"',
  );
  const empty = judgeReply("  \n", "STATUS: done", false);
  assertEquals(empty.kind === "failed" && empty.reason, "the reply is empty");
  const none = judgeReply("I did it!", "STATUS: done", false);
  assertEquals(
    none.kind === "failed" && none.reason,
    'expected "STATUS: done", but the reply has no STATUS line',
  );
});

Deno.test("judgeReply validates STORIES_JSON only where it defines stories", () => {
  const reply = 'STATUS: done\nSTORIES_JSON: [{"id":"S-1"}]';
  const strict = judgeReply(reply, "STATUS: done", true);
  assertEquals(strict.kind, "failed");
  if (strict.kind === "failed") {
    assertEquals(
      strict.reason,
      "STORIES_JSON[0].title: expected a non-empty string; STORIES_JSON[0].description: expected a non-empty string; STORIES_JSON[0].acceptanceCriteria: expected a non-empty list of non-empty strings",
    );
  }
  assertEquals(judgeReply(reply, "STATUS: done", false).kind, "passed");
  const good = judgeReply(
    'STATUS: done\nSTORIES_JSON: [{"id":"S-1","title":"t","description":"d","acceptanceCriteria":["a"]}]',
    "STATUS: done",
    true,
  );
  assertEquals(good.kind === "passed" && good.stories?.ok, true);
  assertEquals(
    judgeReply("STATUS: done", "STATUS: done", true).kind === "passed",
    true,
  );
});

Deno.test("a __PROTO__ key is not an output", () => {
  const parsed = parseOutput("__PROTO__: x\nSTATUS: done");
  assertEquals(parsed.values, { status: "done" });
  assertEquals(Object.getPrototypeOf(parsed.values), Object.prototype);
});
