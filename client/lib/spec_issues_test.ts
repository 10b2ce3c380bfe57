import { deepStrictEqual } from "node:assert/strict";
import { specIssuesOf } from "./spec_issues.ts";

Deno.test("spec issues: a listed refusal splits into its problems", () => {
  deepStrictEqual(
    specIssuesOf(
      'Cannot load workflow.yml as it is invalid: steps[3].loop.verify_step: no step "verfy"; workflow.yml:3:5: Nested mappings are not allowed (HTTP 400)',
    ),
    {
      summary: "Cannot load workflow.yml as it is invalid (HTTP 400):",
      issues: [
        'steps[3].loop.verify_step: no step "verfy"',
        "workflow.yml:3:5: Nested mappings are not allowed",
      ],
    },
  );
});

Deno.test("spec issues: any other message is kept whole", () => {
  deepStrictEqual(specIssuesOf("Cannot reach the Flock server."), {
    summary: "Cannot reach the Flock server.",
    issues: [],
  });
});
