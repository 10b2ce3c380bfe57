/**
 * Antfarm's real workflow directories load from disk (when the antfarm
 * mirror is on this machine). Extracting them starts `git` and `tar`, hence
 * e2e.
 */
import { assert, assertEquals } from "../testing/assert.ts";
import {
  ANTFARM_WORKFLOWS,
  extractAntfarm,
  HAS_ANTFARM,
  NEEDS_ANTFARM,
} from "./testing/antfarm_mirror.ts";
import { loadWorkflow } from "./workflow_loader.ts";

Deno.test(
  `antfarm's real directories load from disk, shared agent files included ${NEEDS_ANTFARM}`,
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
        for (const agent of loaded.spec.agents) {
          const files = loaded.agentFiles[agent.id]!;
          assertEquals(files.map((f) => f.name), [
            "AGENTS.md",
            "SOUL.md",
            "IDENTITY.md",
          ]);
          for (const file of files) assert(file.text.length > 0, file.resolved);
        }
        const setup = loaded.agentFiles.setup!;
        assertEquals(
          setup[0]!.resolved,
          `${root}/agents/shared/setup/AGENTS.md`,
        );
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);
