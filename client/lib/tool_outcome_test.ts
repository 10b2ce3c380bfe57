import { strictEqual } from "node:assert/strict";
import type { OpenCodeToolState } from "../../server/contract/opencode.ts";
import { refusalOf, toolOutcome, toolOutcomeLook } from "./tool_outcome.ts";

const time = { start: 1, end: 2 };
const error = (text: string): OpenCodeToolState => ({
  status: "error",
  input: {},
  error: text,
  time,
});
const running: OpenCodeToolState = {
  status: "running",
  input: { command: "sleep 9" },
  time: { start: 1 },
};

Deno.test("a permission the user rejected reads Rejected, not Failed", () => {
  // OpenCode 1.18.33's text for a rejected permission request
  const rejected = error(
    "The user rejected permission to use this specific tool call. You may try again with different parameters.",
  );
  strictEqual(toolOutcome(rejected), "rejected");
  strictEqual(toolOutcomeLook(toolOutcome(rejected)).label, "Rejected");
  strictEqual(
    refusalOf(
      "The user has specified a rule which prevents you from using this specific tool call.",
    ),
    "denied",
  );
  strictEqual(refusalOf("QuestionRejectedError"), "dismissed");
  strictEqual(toolOutcome(error("exit code 1")), "failed");
  strictEqual(toolOutcomeLook("failed").label, "Failed");
});

Deno.test("waiting, interrupted and finished calls", () => {
  strictEqual(toolOutcome(running), "running");
  strictEqual(toolOutcome(running, { waiting: true }), "needs-permission");
  strictEqual(toolOutcome(running, { interrupted: true }), "interrupted");
  strictEqual(toolOutcomeLook("interrupted").label, "Interrupted");
  // OpenCode's own end wins over a mark
  strictEqual(
    toolOutcome({
      status: "completed",
      input: {},
      output: "ok",
      title: "",
      metadata: {},
      time,
    }, { interrupted: true }),
    "done",
  );
  strictEqual(
    toolOutcome({ status: "pending", input: {}, raw: "" }),
    "pending",
  );
});
