/**
 * Antfarm's own three workflows (when the antfarm mirror is on this
 * machine), driven to completion by scripted replies through `decide`.
 * Extracting them from the mirror starts `git` and `tar`, hence e2e; the
 * pure runs are in `decide_simulation_test.ts`.
 */
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import { createRunState, pinWorkflow } from "./run_state.ts";
import {
  ANTFARM_WORKFLOWS,
  extractAntfarm,
  HAS_ANTFARM,
  NEEDS_ANTFARM,
} from "./testing/antfarm_mirror.ts";
import { type Script, ScriptedRunner } from "./testing/scripted_runner.ts";
import { storiesJson } from "./testing/specs.ts";
import { loadWorkflow } from "./workflow_loader.ts";
import { attemptLines, FEATURE_ATTEMPTS } from "./testing/attempt_lines.ts";

/** Scripted replies that fit antfarm's own templates. */
function antfarmScript(workflow: string): Script {
  return (unit) => {
    const common = "STATUS: done\n";
    switch (`${workflow}/${unit.step}`) {
      case "feature-dev/plan":
      case "security-audit/prioritize":
        return {
          reply:
            `${common}REPO: /repo\nBRANCH: work\nFIX_PLAN: p\nCRITICAL_COUNT: 0\nHIGH_COUNT: 1\nDEFERRED: none\nSTORIES_JSON: ${
              storiesJson(2)
            }`,
        };
      case "security-audit/scan":
        return {
          reply:
            `${common}REPO: /repo\nBRANCH: work\nVULNERABILITY_COUNT: 2\nFINDINGS: two`,
        };
      case "bug-fix/triage":
        return {
          reply:
            `${common}REPO: /repo\nBRANCH: fix\nSEVERITY: high\nAFFECTED_AREA: a\nREPRODUCTION: r\nPROBLEM_STATEMENT: p`,
        };
      case "bug-fix/investigate":
        return { reply: `${common}ROOT_CAUSE: rc\nFIX_APPROACH: fa` };
    }
    switch (unit.step) {
      case "setup":
        return {
          reply:
            `${common}BUILD_CMD: b\nTEST_CMD: t\nCI_NOTES: c\nBASELINE: ok`,
        };
      case "implement":
      case "fix":
        return {
          reply: `${common}CHANGES: c ${
            unit.story ?? ""
          }\nTESTS: t\nREGRESSION_TEST: r`,
        };
      case "verify":
        return unit.nth === 1 && unit.story !== "S-2"
          ? { reply: "STATUS: retry\nISSUES:\n- add a test" }
          : { reply: `${common}VERIFIED: yes` };
      case "test":
        return { reply: `${common}RESULTS: green\nAUDIT_AFTER: clean` };
      case "pr":
        return { reply: `${common}PR: https://example.test/pr/2` };
      case "review":
        return { reply: `${common}DECISION: approved` };
    }
    throw new Error(`No script for ${workflow}/${unit.step}`);
  };
}

Deno.test(
  `antfarm's own workflows run to completion, unchanged ${NEEDS_ANTFARM}`,
  {
    ignore: !HAS_ANTFARM,
  },
  async () => {
    const root = await extractAntfarm();
    try {
      for (const name of ANTFARM_WORKFLOWS) {
        const loaded = await loadWorkflow({
          dir: `${root}/workflows/${name}`,
          readTextFile: (path) => Deno.readTextFile(path),
        });
        const state = createRunState({
          id: `run-${name}`,
          runNumber: 1,
          instanceId: "inst",
          workflow: pinWorkflow(loaded),
          task: "Add a greeting endpoint",
          at: 0,
        });
        const runner = new ScriptedRunner(state, antfarmScript(name));
        runner.send({ type: "start", at: 0 });
        assertEquals(
          runner.state.status,
          "completed",
          `${name}: ${
            JSON.stringify(runner.state.blocked ?? runner.state.failure)
          }`,
        );
        for (const prompt of runner.prompts) {
          assert(
            !/\{\{\s*\w+\s*\}\}/.test(prompt.prompt),
            `${name}/${prompt.step}: a hole in the prompt`,
          );
          assertMatch(prompt.system, /^<file name="AGENTS.md">/);
          assertMatch(prompt.system, /<file name="IDENTITY.md">/);
        }
        if (name === "feature-dev") {
          assertEquals(attemptLines(runner.state), FEATURE_ATTEMPTS);
          const verify = runner.prompts.find((p) => p.step === "verify")!;
          assertMatch(verify.prompt, /Has frontend changes: false/);
          const implement = runner.prompts.filter((p) =>
            p.step === "implement"
          );
          assertMatch(
            implement[1]!.prompt,
            /VERIFY FEEDBACK \(if retrying\):\n- add a test/,
          );
          assertMatch(
            implement[0]!.prompt,
            /PROGRESS LOG:\n\(no progress yet\)/,
          );
        }
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);
