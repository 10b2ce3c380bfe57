/**
 * Small workflow specs in antfarm's format, written for the tests (antfarm's
 * own files are never committed), and helpers to make runs of them.
 *
 * @module
 */
import {
  createRunState,
  type RunState,
  type RunWorkflow,
} from "../run_state.ts";
import { parseWorkflowSpec } from "../spec.ts";

/** A feature-dev-shaped workflow: plan → setup → implement (loop, verified) → verify → test → pr → review. */
export const FEATURE_YAML = `
id: feature-mini
name: Feature (mini)
version: 1
description: A small workflow shaped like antfarm's feature-dev.
polling: { model: default, timeoutSeconds: 120 }
agents:
  - id: planner
    role: analysis
    workspace: { baseDir: agents/planner, files: { AGENTS.md: agents/planner/AGENTS.md } }
  - id: setup
    role: coding
    workspace: { files: { AGENTS.md: ../../agents/shared/setup/AGENTS.md } }
  - id: developer
    role: coding
    workspace: { files: { AGENTS.md: agents/developer/AGENTS.md, SOUL.md: agents/developer/SOUL.md } }
  - id: verifier
    role: verification
    workspace: { files: { AGENTS.md: ../../agents/shared/verifier/AGENTS.md }, skills: [agent-browser] }
  - id: tester
    role: testing
  - id: reviewer
    role: analysis
steps:
  - id: plan
    agent: planner
    input: |
      Plan {{task}}.
      Reply with STATUS: done, REPO, BRANCH and STORIES_JSON.
    expects: "STATUS: done"
    max_retries: 2
    on_fail: { escalate_to: human }
  - id: setup
    agent: setup
    input: "Set up {{repo}} on {{branch}}."
    expects: "STATUS: done"
    on_fail: { escalate_to: human }
  - id: implement
    agent: developer
    type: loop
    loop: { over: stories, completion: all_done, fresh_session: true, verify_each: true, verify_step: verify }
    input: |
      {{current_story}}
      Done so far: {{completed_stories}} ({{stories_remaining}} left)
      Feedback: {{verify_feedback}}
      Progress: {{progress}}
      Run {{test_cmd}}.
    expects: "STATUS: done"
    max_retries: 2
    on_fail: { escalate_to: human }
  - id: verify
    agent: verifier
    input: "Verify {{current_story_id}} ({{changes}}); frontend: {{has_frontend_changes}}"
    expects: "STATUS: done"
    on_fail:
      retry_step: implement
      max_retries: 2
      on_exhausted: { escalate_to: human }
  - id: test
    agent: tester
    input: "Test {{task}} with {{test_cmd}}."
    expects: "STATUS: done"
    on_fail:
      retry_step: implement
      max_retries: 2
      on_exhausted: { escalate_to: human }
  - id: pr
    agent: developer
    input: "Open a PR for {{branch}}: {{results}}"
    expects: "STATUS: done"
    on_fail: { escalate_to: human }
  - id: review
    agent: reviewer
    input: "Review {{pr}}."
    expects: "STATUS: done"
    on_fail:
      retry_step: implement
      max_retries: 3
      on_exhausted: { escalate_to: human }
`;

/** Two plain steps and a gate between them; no escalation (failures fail the run). */
export const GATED_YAML = `
id: gated
name: Gated
version: 2
agents:
  - { id: writer, role: coding }
  - { id: checker, role: analysis }
steps:
  - id: write
    agent: writer
    input: "Write {{task}}."
    max_retries: 1
  - id: approval
    type: gate
    input: "Ship {{title}}?"
  - id: check
    agent: checker
    input: "Check {{title}}."
    max_retries: 0
`;

/** A bug-fix-shaped workflow: single steps only, verify sends work back to fix. */
export const BUGFIX_YAML = `
id: bugfix-mini
name: Bug fix (mini)
version: 1
agents:
  - { id: triager, role: analysis }
  - { id: fixer, role: coding, timeoutSeconds: 60 }
  - { id: verifier, role: verification }
steps:
  - id: triage
    agent: triager
    input: "Triage {{task}}."
    on_fail: { escalate_to: human }
  - id: fix
    agent: fixer
    input: "Fix {{root_cause}}. Feedback: {{verify_feedback}}"
    on_fail: { escalate_to: human }
  - id: verify
    agent: verifier
    input: "Verify {{changes}}."
    on_fail:
      retry_step: fix
      max_retries: 1
      on_exhausted: { escalate_to: human }
`;

/** A workflow made from YAML, with a short system text per agent. */
export function workflowOf(yaml: string): RunWorkflow {
  const { spec } = parseWorkflowSpec(yaml);
  const systems: Record<string, string> = {};
  for (const agent of spec.agents) systems[agent.id] = `You are ${agent.id}.`;
  return { spec, systems };
}

/** A fresh run of a workflow, created at time 0. */
export function newRun(yaml: string, task = "add a greeting"): RunState {
  return createRunState({
    id: "run1",
    runNumber: 1,
    instanceId: "inst1",
    workflow: workflowOf(yaml),
    task,
    at: 0,
  });
}

/** A STORIES_JSON reply line for `count` stories S-1..S-n. */
export function storiesJson(count: number): string {
  return JSON.stringify(
    Array.from({ length: count }, (_, i) => ({
      id: `S-${i + 1}`,
      title: `Story ${i + 1}`,
      description: `Do part ${i + 1}.`,
      acceptanceCriteria: [`Part ${i + 1} works`, "Typecheck passes"],
    })),
  );
}
