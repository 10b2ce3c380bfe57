import { assert, assertEquals, assertRejects } from "../testing/assert.ts";
import { formatIssue, WorkflowSpecError } from "./spec_types.ts";
import { FEATURE_YAML } from "./testing/specs.ts";
import {
  agentSystemText,
  loadWorkflow,
  MAX_AGENT_FILE_CHARS,
  type ReadTextFile,
  resolveWithin,
} from "./workflow_loader.ts";

/** A file reader over a map of absolute paths, recording every read. */
function memoryReader(
  files: Record<string, string>,
): ReadTextFile & { reads: string[] } {
  const reads: string[] = [];
  const read = (path: string) => {
    reads.push(path);
    const text = files[path];
    return text === undefined
      ? Promise.reject(new Deno.errors.NotFound(`No such file: ${path}`))
      : Promise.resolve(text);
  };
  return Object.assign(read, { reads });
}

const DIR = "/w/workflows/feature-mini";
const FILES: Record<string, string> = {
  [`${DIR}/workflow.yml`]: FEATURE_YAML,
  [`${DIR}/agents/planner/AGENTS.md`]: "# Planner\nPlan well.\n",
  "/w/agents/shared/setup/AGENTS.md": "# Setup",
  [`${DIR}/agents/developer/AGENTS.md`]: "# Developer",
  [`${DIR}/agents/developer/SOUL.md`]: "Calm.",
  "/w/agents/shared/verifier/AGENTS.md": "# Verifier",
};

Deno.test("resolveWithin normalises, may leave the directory, never climbs above /", () => {
  assertEquals(
    resolveWithin("/w/workflows/x", "agents/a.md"),
    "/w/workflows/x/agents/a.md",
  );
  assertEquals(
    resolveWithin("/w/workflows/x", "../../agents/s/a.md"),
    "/w/agents/s/a.md",
  );
  assertEquals(
    resolveWithin("/w/workflows/x/", "./a//b/../c.md"),
    "/w/workflows/x/a/c.md",
  );
  assertEquals(resolveWithin("/w", "../x"), "/x");
  assertEquals(resolveWithin("/w", "../../x"), null);
  assertEquals(resolveWithin("/", ".."), null);
});

Deno.test("a directory loads with exactly the agent files it names", async () => {
  const read = memoryReader(FILES);
  const loaded = await loadWorkflow({ dir: DIR, readTextFile: read });
  assertEquals(loaded.spec.id, "feature-mini");
  assertEquals(loaded.dir, DIR);
  assertEquals(loaded.yaml, FEATURE_YAML);
  assertEquals(read.reads.sort(), Object.keys(FILES).sort());
  assertEquals(
    loaded.agentFiles.developer!.map((f) => [f.name, f.resolved, f.text]),
    [
      ["AGENTS.md", `${DIR}/agents/developer/AGENTS.md`, "# Developer"],
      ["SOUL.md", `${DIR}/agents/developer/SOUL.md`, "Calm."],
    ],
  );
  assertEquals(loaded.agentFiles.tester, []);
  assertEquals(
    agentSystemText(loaded.agentFiles.developer!),
    '<file name="AGENTS.md">\n# Developer\n</file>\n\n<file name="SOUL.md">\nCalm.\n</file>',
  );
});

Deno.test("a missing agent file is a field-path error; all are reported", async () => {
  const files = { ...FILES };
  delete files[`${DIR}/agents/developer/SOUL.md`];
  delete files["/w/agents/shared/setup/AGENTS.md"];
  const error = await assertRejects(
    () => loadWorkflow({ dir: DIR, readTextFile: memoryReader(files) }),
    WorkflowSpecError,
  );
  assertEquals(error.issues.map((i) => formatIssue(i)), [
    'agents[1].workspace.files["AGENTS.md"]: cannot read "../../agents/shared/setup/AGENTS.md": no such file',
    'agents[2].workspace.files["SOUL.md"]: cannot read "agents/developer/SOUL.md": no such file',
  ]);
});

Deno.test("paths that climb above the root, huge files and read errors are refused", async () => {
  const yaml = `id: t\nname: T\nversion: 1
agents:
  - { id: a, role: coding, workspace: { files: { UP.md: ../../../../x.md, BIG.md: big.md, DIR.md: dir, ERR.md: err } } }
steps: [{ id: s, agent: a, input: x }]`;
  const read: ReadTextFile = (path) => {
    if (path.endsWith("big.md")) {
      return Promise.resolve("x".repeat(MAX_AGENT_FILE_CHARS + 1));
    }
    if (path.endsWith("dir")) {
      return Promise.reject(new Deno.errors.IsADirectory("dir"));
    }
    return Promise.reject(new Error("disk on fire"));
  };
  const error = await assertRejects(
    () => loadWorkflow({ yaml, dir: "/w/x", readTextFile: read }),
    WorkflowSpecError,
  );
  assertEquals(error.issues.map((i) => formatIssue(i)), [
    'agents[0].workspace.files["UP.md"]: "../../../../x.md" climbs above the filesystem root',
    `agents[0].workspace.files["BIG.md"]: "big.md" has ${
      MAX_AGENT_FILE_CHARS + 1
    } characters; the limit is ${MAX_AGENT_FILE_CHARS}`,
    'agents[0].workspace.files["DIR.md"]: cannot read "dir": is a directory',
    'agents[0].workspace.files["ERR.md"]: cannot read "err": disk on fire',
  ]);
});

Deno.test("YAML text alone loads when it names no files, and says why otherwise", async () => {
  const bare =
    `id: t\nname: T\nversion: 1\nagents: [{ id: a, role: coding }]\nsteps: [{ id: s, agent: a, input: x }]`;
  const loaded = await loadWorkflow({ yaml: bare });
  assertEquals(loaded.dir, null);
  assertEquals(loaded.agentFiles, { a: [] });
  const error = await assertRejects(
    () => loadWorkflow({ yaml: FEATURE_YAML }),
    WorkflowSpecError,
  );
  assertEquals(
    formatIssue(error.issues[0]!),
    'agents[0].workspace.files["AGENTS.md"]: cannot read "agents/planner/AGENTS.md" as the workflow was given without a directory',
  );
});

Deno.test("a missing workflow.yml, a relative directory and a bad spec are spec errors", async () => {
  const missing = await assertRejects(
    () => loadWorkflow({ dir: "/nowhere", readTextFile: memoryReader({}) }),
    WorkflowSpecError,
  );
  assertEquals(
    formatIssue(missing.issues[0]!),
    "workflow.yml: Cannot read /nowhere/workflow.yml: no such file",
  );
  const relative = await assertRejects(
    () => loadWorkflow({ dir: "rel/dir", readTextFile: memoryReader({}) }),
    WorkflowSpecError,
  );
  assert(relative.message.includes("must be absolute"));
  const bad = await assertRejects(
    () =>
      loadWorkflow({
        dir: "/d",
        readTextFile: memoryReader({ "/d/workflow.yml": "id: [" }),
      }),
    WorkflowSpecError,
  );
  assert(bad.issues[0]!.line !== undefined);
});
