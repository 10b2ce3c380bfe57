/**
 * Workflows written by Flock for its end-to-end tests (antfarm's own are
 * never committed): a feature workflow shaped like antfarm's `feature-dev`
 * (the fake model plays its roles from the same wording), laid out as
 * antfarm lays out its directories (shared agent files beside the
 * workflows directory), and small ones for escalation, gates, stop,
 * permissions and missing keys (their prompts cue the fake model with
 * `REPLY>`, `WRITE>` and `BASH>` lines).
 *
 * @module
 */
import { stringify } from "yaml";
import type { AgentRole } from "../../workflows/spec_types.ts";

/** The feature workflow: plan → setup → implement (verified loop) → verify → test → pr → review. */
export const FLOCK_FEATURE_YAML = `
id: flock-feature
name: Flock feature (test)
version: 1
description: A feature workflow in antfarm's format, written for Flock's tests.
agents:
  - id: planner
    role: analysis
    workspace: { files: { AGENTS.md: agents/planner/AGENTS.md } }
  - id: setup
    role: coding
    workspace: { files: { AGENTS.md: ../../agents/shared/setup/AGENTS.md } }
  - id: developer
    role: coding
    workspace: { files: { AGENTS.md: agents/developer/AGENTS.md } }
  - id: verifier
    role: verification
    workspace: { files: { AGENTS.md: ../../agents/shared/verifier/AGENTS.md } }
  - id: tester
    role: testing
  - id: reviewer
    role: analysis
steps:
  - id: plan
    agent: planner
    input: |
      Plan this task: {{task}}
      Reply with STATUS: done, REPO, BRANCH and STORIES_JSON.
    expects: "STATUS: done"
    on_fail: { escalate_to: human }
  - id: setup
    agent: setup
    input: |
      Prepare the development environment in {{repo}} on {{branch}}.
      WRITE> progress-{{run_id}}.txt
      REPLY> STATUS: done
      REPLY> BUILD_CMD: true
      REPLY> TEST_CMD: true
    on_fail: { escalate_to: human }
  - id: implement
    agent: developer
    type: loop
    loop: { over: stories, completion: all_done, fresh_session: true, verify_each: true, verify_step: verify }
    input: |
      Implement the following user story in {{repo}}.
      CURRENT STORY:
      {{current_story}}
      COMPLETED STORIES:
      {{completed_stories}}
      VERIFY FEEDBACK:
      {{verify_feedback}}
      PROGRESS LOG:
      {{progress}}
    on_fail: { escalate_to: human }
  - id: verify
    agent: verifier
    input: |
      Verify the developer's work on this story.
      CHANGES: {{changes}}
      CURRENT STORY:
      {{current_story}}
      Has frontend changes: {{has_frontend_changes}}
    on_fail:
      retry_step: implement
      max_retries: 2
      on_exhausted: { escalate_to: human }
  - id: test
    agent: tester
    input: "Integration and E2E testing of {{task}} with {{test_cmd}}."
    on_fail: { retry_step: implement, max_retries: 2, on_exhausted: { escalate_to: human } }
  - id: pr
    agent: developer
    input: "Create a pull request for {{branch}}: {{results}}"
    on_fail: { escalate_to: human }
  - id: review
    agent: reviewer
    input: "Review the pull request {{pr}}."
    on_fail: { retry_step: implement, max_retries: 3, on_exhausted: { escalate_to: human } }
`;

/** A step of a {@linkcode oneAgentWorkflowYaml} workflow. */
export interface OneAgentStep {
  id: string;
  /** The prompt template (cues for the fake model on lines of their own). */
  input: string;
  /** A gate (a person approves) instead of a step the agent runs. */
  type?: "gate";
  max_retries?: number;
  on_fail?: { escalate_to: "human" };
}

/**
 * A small workflow in antfarm's format with one agent, which runs every
 * step but the gates.
 *
 * @param id The workflow's id.
 * @param name Its name ("(test)" is added).
 * @param agent Its one agent.
 * @param steps Its steps, in order.
 * @returns The YAML.
 */
export function oneAgentWorkflowYaml(
  id: string,
  name: string,
  agent: { id: string; role: AgentRole },
  steps: OneAgentStep[],
): string {
  return stringify({
    id,
    name: `${name} (test)`,
    version: 1,
    agents: [agent],
    steps: steps.map(({ id, ...rest }) =>
      rest.type === "gate" ? { id, ...rest } : { id, agent: agent.id, ...rest }
    ),
  });
}

/** A check that escalates after two failures, then a gate, then a last step. */
export const ESCALATING_YAML = oneAgentWorkflowYaml(
  "escalating",
  "Escalating",
  { id: "checker", role: "analysis" },
  [
    {
      id: "check",
      input:
        "Check the build for {{task}}.\nREPLY> STATUS: done\nREPLY> TITLE: v1\n",
      max_retries: 1,
      on_fail: { escalate_to: "human" },
    },
    { id: "approval", type: "gate", input: "Ship {{title}}?" },
    { id: "final", input: "Final look at {{task}}.\nREPLY> STATUS: done" },
  ],
);

/** One step whose prompt the test holds at the fake model. */
export const HELD_YAML = oneAgentWorkflowYaml(
  "held",
  "Held",
  { id: "worker", role: "coding" },
  [{ id: "work", input: "Hold this one: {{task}}\nREPLY> STATUS: done" }],
);

/** A step that runs a shell command (a permission the instance asks for). */
export const ASKING_YAML = oneAgentWorkflowYaml(
  "asking",
  "Asking",
  { id: "runner", role: "testing" },
  [{
    id: "run",
    input: "Run the check.\nBASH> echo flock-asked\nREPLY> STATUS: done",
  }],
);

/** A second step whose template names a key nothing provides. */
export const HOLES_YAML = oneAgentWorkflowYaml(
  "holes",
  "Holes",
  { id: "writer", role: "analysis" },
  [
    { id: "first", input: "First of {{task}}.\nREPLY> STATUS: done" },
    {
      id: "second",
      input: "Second, with {{missing_thing}}.\nREPLY> STATUS: done",
    },
  ],
);

/** One step that writes `shared.txt` holding the task (parallel runs each write it). */
export const TWIN_YAML = oneAgentWorkflowYaml(
  "twin",
  "Twin",
  { id: "editor", role: "coding" },
  [{
    id: "edit",
    input:
      "Edit the shared file for {{task}}.\nWRITE> shared.txt {{task}}\nREPLY> STATUS: done",
  }],
);

/** Two steps, each escalated when it cannot run (the second writes a file). */
export const TWO_PART_YAML = oneAgentWorkflowYaml(
  "two-part",
  "Two parts",
  { id: "worker", role: "coding" },
  [
    {
      id: "first",
      input: "First part of {{task}}.\nREPLY> STATUS: done",
      on_fail: { escalate_to: "human" },
    },
    {
      id: "second",
      input:
        "Second part of {{task}}.\nWRITE> second.txt second part\nREPLY> STATUS: done",
      on_fail: { escalate_to: "human" },
    },
  ],
);

/**
 * A developer adds a file, then changes the README `initGitRepo` commits
 * (each held at the fake model by its first words).
 */
export const DEVELOP_YAML = oneAgentWorkflowYaml(
  "develop",
  "Develop",
  { id: "developer", role: "coding" },
  [
    {
      id: "implement",
      input:
        "Implement the greeting for {{task}}.\nWRITE> src/greeting.txt hello from the developer\nREPLY> STATUS: done",
    },
    {
      id: "document",
      input:
        "Document the greeting for {{task}}.\nWRITE> README.md # A project that greets\nREPLY> STATUS: done",
    },
  ],
);

const AGENT_FILES: Record<string, string> = {
  "workflows/flock-feature/agents/planner/AGENTS.md":
    "# Planner\nYou split a task into small user stories.",
  "workflows/flock-feature/agents/developer/AGENTS.md":
    "# Developer\nYou implement one story at a time and commit it.",
  "agents/shared/setup/AGENTS.md":
    "# Setup\nYou prepare the repository and its branch.",
  "agents/shared/verifier/AGENTS.md":
    "# Verifier\nYou check that a story is really done.",
};

/**
 * Writes the feature workflow as antfarm lays out its own: `workflows/<id>/`
 * beside a shared `agents/` directory.
 *
 * @returns The workflow's directory (`<root>/workflows/flock-feature`).
 */
export async function writeFeatureWorkflow(root: string): Promise<string> {
  const dir = `${root}/workflows/flock-feature`;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/workflow.yml`, FLOCK_FEATURE_YAML);
  for (const [path, text] of Object.entries(AGENT_FILES)) {
    const file = `${root}/${path}`;
    await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(file, text);
  }
  return dir;
}
