/**
 * Antfarm's three real workflow specs load (when the antfarm mirror is on
 * this machine). Extracting them starts `git` and `tar`, hence e2e.
 */
import { assert, assertEquals } from "../testing/assert.ts";
import { parseWorkflowSpec } from "./spec.ts";
import {
  ANTFARM_WORKFLOWS,
  extractAntfarm,
  HAS_ANTFARM,
  NEEDS_ANTFARM,
} from "./testing/antfarm_mirror.ts";

Deno.test(`antfarm's three real workflows load ${NEEDS_ANTFARM}`, {
  ignore: !HAS_ANTFARM,
}, async () => {
  const dir = await extractAntfarm();
  try {
    for (const name of ANTFARM_WORKFLOWS) {
      const text = await Deno.readTextFile(
        `${dir}/workflows/${name}/workflow.yml`,
      );
      const { spec, warnings } = parseWorkflowSpec(text);
      assertEquals(spec.id, name);
      for (const warning of warnings) {
        assertEquals(
          warning.message.startsWith("unsupported"),
          true,
          warning.message,
        );
      }
      if (name === "feature-dev") {
        assertEquals(spec.steps.map((s) => `${s.id}:${s.type}`), [
          "plan:single",
          "setup:single",
          "implement:loop",
          "verify:single",
          "test:single",
          "pr:single",
          "review:single",
        ]);
        const implement = spec.steps[2]!;
        assert(implement.type === "loop");
        assertEquals(implement.loop.verifyStep, "verify");
        const review = spec.steps[6]!;
        assert(review.type === "single");
        assertEquals(review.onFail, {
          retryStep: "implement",
          maxRetries: 3,
          escalateToHuman: true,
        });
        // antfarm's fallback: a step without max_retries uses on_fail's
        assertEquals(review.maxRetries, 3);
        assertEquals(warnings.map((w) => w.path), [
          "agents[3].workspace.skills",
          "agents[5].workspace.skills",
        ]);
        assertEquals(
          spec.agents[1]!.files[0]!.path,
          "../../agents/shared/setup/AGENTS.md",
        );
      }
      if (name === "bug-fix") {
        const verify = spec.steps.find((s) => s.id === "verify")!;
        assert(verify.type === "single");
        assertEquals(verify.onFail.retryStep, "fix");
      }
      if (name === "security-audit") {
        assertEquals(spec.agents[0]!.role, "scanning");
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
