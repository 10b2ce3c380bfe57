import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import {
  MAX_SPEC_CHARS,
  parseWorkflowSpec,
  relativePathProblem,
} from "./spec.ts";
import {
  formatIssue,
  type SpecIssue,
  WorkflowSpecError,
} from "./spec_types.ts";
import { BUGFIX_YAML, FEATURE_YAML, GATED_YAML } from "./testing/specs.ts";

/** The issues of a spec that must fail, as `path: message` lines. */
function problems(yaml: string): string[] {
  const error = assertThrows(() => parseWorkflowSpec(yaml), WorkflowSpecError);
  assert(error.issues.length > 0);
  return error.issues.map((issue) => formatIssue(issue));
}

/** A minimal valid spec with `steps` replaced. */
function withSteps(steps: string, agents = MINI_AGENTS): string {
  return `id: t\nname: T\nversion: 1\nagents:\n${agents}\nsteps:\n${steps}`;
}

const MINI_AGENTS = `  - { id: dev, role: coding }
  - { id: rev, role: analysis }`;

Deno.test("the test specs load, with defaults filled in", () => {
  const { spec, warnings } = parseWorkflowSpec(FEATURE_YAML);
  assertEquals(spec.id, "feature-mini");
  assertEquals(spec.version, 1);
  assertEquals(spec.agents.map((a) => a.name), spec.agents.map((a) => a.id));
  assertEquals(spec.agents[2]!.files, [
    { name: "AGENTS.md", path: "agents/developer/AGENTS.md" },
    { name: "SOUL.md", path: "agents/developer/SOUL.md" },
  ]);
  assertEquals(warnings.map((w) => w.path), ["agents[3].workspace.skills"]);
  const setup = spec.steps[1]!;
  assert(setup.type === "single");
  assertEquals(setup.maxRetries, 2);
  assertEquals(setup.onFail, {
    retryStep: null,
    maxRetries: 2,
    escalateToHuman: true,
  });
  const gated = parseWorkflowSpec(GATED_YAML).spec;
  assertEquals(gated.steps[1], {
    type: "gate",
    id: "approval",
    input: "Ship {{title}}?",
  });
  const write = gated.steps[0]!;
  assert(write.type === "single");
  assertEquals(write.expects, "STATUS: done");
  assertEquals(write.onFail.escalateToHuman, false);
  const bugfix = parseWorkflowSpec(BUGFIX_YAML).spec;
  assertEquals(bugfix.agents[1]!.timeoutSeconds, 60);
});

Deno.test("a YAML syntax error gives its line and column", () => {
  assertEquals(
    problems('id: x\nsteps:\n  - id: "unclosed\n'),
    ['workflow.yml:4:1: Missing closing "quote'],
  );
  const tab = problems("id: x\nsteps:\n  - id: a\n\tagent: b\n");
  assertEquals(tab[0]!.startsWith("workflow.yml:4:1: "), true, tab[0]);
  const dup = problems("id: x\nname: a\nid: y\n");
  assertEquals(dup, ["workflow.yml:3:1: Map keys must be unique"]);
  const flow = problems("id: x\nagents: [ { id: a\n");
  assert(
    flow.every((line) => /^workflow\.yml:\d+:\d+: /.test(line)),
    flow.join(),
  );
  assertEquals(problems("id: x\nname: *nope\n"), [
    "workflow.yml:2:7: Unknown alias *nope",
  ]);
  const two = problems("id: a\n---\nid: b\n");
  assert(two[0]!.startsWith("workflow.yml:2:1: "), two[0]);
});

Deno.test("a document that is not a mapping is refused", () => {
  assertEquals(problems(""), [
    "workflow.yml: expected a mapping with id, name, version, agents and steps",
  ]);
  assertEquals(problems("- a\n- b\n"), [
    "workflow.yml: expected a mapping with id, name, version, agents and steps",
  ]);
  assertEquals(problems("just text"), [
    "workflow.yml: expected a mapping with id, name, version, agents and steps",
  ]);
});

Deno.test("an alias bomb and an oversized file are refused, not expanded", () => {
  const lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 12; i++) {
    lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]`);
  }
  const bomb = problems(lines.join("\n"));
  assertEquals(bomb.length, 1);
  assert(/alias/i.test(bomb[0]!), bomb[0]);
  const big = "# " + "x".repeat(MAX_SPEC_CHARS);
  assertEquals(problems(big)[0]!.includes("the limit is"), true);
});

Deno.test("every problem is reported, each with its field path", () => {
  const yaml = `id: Bad_Id
name: 3
agents: []
steps:
  - id: build
    agent: ghost
    type: loop
    loop: { over: storys, verify_each: true, verify_step: verfy }
    on_fial: {}
`;
  assertEquals(problems(yaml), [
    `id: "Bad_Id" must be 1 to 64 lowercase letters, digits or '-', starting with a letter or digit`,
    "name: expected a string, got an integer",
    "version: missing",
    "agents: must list at least one agent",
    'steps[0].on_fial: unknown key; did you mean "on_fail"?',
    "steps[0].input: missing",
    'steps[0].loop.over: "storys" is not one of stories',
    'steps[0].agent: no agent "ghost"',
    'steps[0].loop.verify_step: no step "verfy"',
  ]);
});

Deno.test("validation issues carry the line and column of their field", () => {
  const error = assertThrows(
    () =>
      parseWorkflowSpec(withSteps("  - { id: a, agent: nobody, input: x }")),
    WorkflowSpecError,
  );
  const issue: SpecIssue = error.issues[0]!;
  assertEquals(issue.path, "steps[0].agent");
  assertEquals([issue.line, issue.column], [8, 21]);
  assertEquals(
    error.message,
    'Cannot load workflow.yml as it is invalid: steps[0].agent: no agent "nobody"',
  );
});

Deno.test("top-level fields: id, name, version, context, unknown keys", () => {
  const base = (extra: string) =>
    `${extra}\nagents: [{ id: a, role: coding }]\nsteps: [{ id: s, agent: a, input: x }]\n`;
  assertEquals(problems(base("name: N\nversion: 1")), ["id: missing"]);
  assertEquals(problems(base("id: ok\nversion: 1")), ["name: missing"]);
  assertEquals(problems(base("id: ok\nname: ' '\nversion: 1")), [
    "name: must not be empty",
  ]);
  assertEquals(problems(base("id: ok\nname: N\nversion: 0")), [
    "version: 0 is out of range; expected 1 to 1000000",
  ]);
  assertEquals(problems(base("id: ok\nname: N\nversion: '5'")), [
    "version: expected an integer, got a string",
  ]);
  assertEquals(problems(base("id: ok\nname: N\nversion: 1.5")), [
    "version: expected an integer, got a number",
  ]);
  assertEquals(problems(base("id: -x\nname: N\nversion: 1")), [
    `id: "-x" must be 1 to 64 lowercase letters, digits or '-', starting with a letter or digit`,
  ]);
  assertEquals(problems(base("id: ok\nname: N\nversion: 1\nstep: []")), [
    'step: unknown key; did you mean "steps"?',
  ]);
  assertEquals(problems(base("id: ok\nname: N\nversion: 1\ncontext: [a]")), [
    "context: expected a mapping, got a list",
  ]);
  assertEquals(
    problems(base("id: ok\nname: N\nversion: 1\ncontext: { __proto__: x }")),
    ["context.__proto__: key must be letters, digits and '_'"],
  );
  assertEquals(
    problems(base("id: ok\nname: N\nversion: 1\ncontext: { a-b: 1, c: [] }")),
    [
      `context["a-b"]: key must be letters, digits and '_'`,
      "context.c: expected a string, a number or a boolean",
    ],
  );
  const ok = parseWorkflowSpec(
    base(
      "id: ok\nname: N\nversion: 1\ncontext: { Repo: /r, n: 2, f: false }\npolling: whatever\nnotifications: { url: x }",
    ),
  );
  assertEquals(ok.spec.context, { repo: "/r", n: "2", f: "false" });
  assertEquals(ok.warnings.map((w) => formatIssue(w)), [
    "notifications: ignored: Flock notifies through its inbox",
  ]);
});

Deno.test("agents: id, role, files, skills, timeouts, duplicates", () => {
  const wf = (agents: string) =>
    `id: t\nname: T\nversion: 1\nagents:\n${agents}\nsteps: [{ id: s, agent: a, input: x }]\n`;
  assertEquals(problems(wf("  - { id: a }")), [
    "agents[0].role: missing; expected one of coding, analysis, verification, testing, pr, scanning",
  ]);
  assertEquals(problems(wf("  - { id: a, role: admin }")), [
    'agents[0].role: "admin" is not one of coding, analysis, verification, testing, pr, scanning',
  ]);
  assertEquals(
    problems(wf("  - { id: a, role: coding }\n  - { id: a, role: pr }")),
    [
      'agents[1].id: duplicate agent id "a" (also agents[0])',
    ],
  );
  assertEquals(problems(wf("  - a")), [
    "agents[0]: expected a mapping, got a string",
    'steps[0].agent: no agent "a"',
  ]);
  assertEquals(problems(wf("  - { id: a, role: coding, timeoutSeconds: 0 }")), [
    "agents[0].timeoutSeconds: 0 is out of range; expected 1 to 86400",
  ]);
  assertEquals(
    problems(wf("  - { id: a, role: coding, workspace: { files: [x] } }")),
    [
      "agents[0].workspace.files: expected a mapping, got a list",
    ],
  );
  assertEquals(
    problems(wf(`  - id: a
    role: coding
    workspace:
      files: { A.md: /etc/passwd, B.md: "C:\\\\x", C.md: 3, D.md: "a\\\\b", E.md: "", F.md: ~/x }`)),
    [
      'agents[0].workspace.files["A.md"]: "/etc/passwd" is absolute; paths are relative to the workflow\'s directory',
      `agents[0].workspace.files["B.md"]: "C:\\x" is absolute; paths are relative to the workflow's directory`,
      'agents[0].workspace.files["C.md"]: expected a relative path, got an integer',
      'agents[0].workspace.files["D.md"]: "a\\b" must use "/" as separator',
      'agents[0].workspace.files["E.md"]: the path must not be empty',
      `agents[0].workspace.files["F.md"]: "~/x" is absolute; paths are relative to the workflow's directory`,
    ],
  );
  assertEquals(
    problems(wf("  - { id: a, role: coding, workspace: { skills: browser } }")),
    [
      "agents[0].workspace.skills: expected a list of names",
    ],
  );
  assertEquals(
    problems(wf("  - { id: a, role: coding, workspace: { file: {} } }")),
    [
      'agents[0].workspace.file: unknown key; did you mean "files"?',
    ],
  );
  const ok = parseWorkflowSpec(
    wf(
      "  - { id: a, role: coding, pollingModel: x, model: m/n, timeoutSeconds: 90 }",
    ),
  );
  assertEquals(ok.spec.agents[0]!.model, "m/n");
  assertEquals(ok.spec.agents[0]!.timeoutSeconds, 90);
  assertEquals(ok.warnings.map((w) => formatIssue(w)), [
    "agents[0].pollingModel: ignored: Flock does not poll",
  ]);
});

Deno.test("steps: required fields, types and retries", () => {
  assertEquals(problems(withSteps("  - { agent: dev, input: x }")), [
    "steps[0].id: missing",
  ]);
  assertEquals(problems(withSteps("  - { id: a, input: x }")), [
    "steps[0].agent: missing",
  ]);
  assertEquals(problems(withSteps("  - { id: a, agent: dev }")), [
    "steps[0].input: missing",
  ]);
  assertEquals(
    problems(withSteps("  - { id: a, agent: dev, input: x, expects: '' }")),
    [
      "steps[0].expects: must not be empty",
    ],
  );
  assertEquals(
    problems(withSteps("  - { id: a, agent: dev, input: x, max_retries: -1 }")),
    [
      "steps[0].max_retries: -1 is out of range; expected 0 to 20",
    ],
  );
  assertEquals(
    problems(withSteps("  - { id: a, agent: dev, input: x, type: parallel }")),
    [
      'steps[0].type: "parallel" is not one of single, loop, gate',
    ],
  );
  assertEquals(problems(withSteps("  - { id: a, agent: dev, input: [x] }")), [
    "steps[0].input: expected a string, got a list",
  ]);
  assertEquals(
    problems(
      withSteps(
        "  - { id: a, agent: dev, input: x }\n  - { id: a, agent: rev, input: y }",
      ),
    ),
    ['steps[1].id: duplicate step id "a" (also steps[0])'],
  );
  assertEquals(problems(withSteps("  []")), [
    "steps: must list at least one step",
  ]);
  assertEquals(
    problems(
      withSteps("  - { id: a, agent: dev, input: x, loop: { over: stories } }"),
    ),
    [
      'steps[0].loop: only a step with "type: loop" has a loop',
    ],
  );
  const fallback = parseWorkflowSpec(
    withSteps(
      "  - { id: a, agent: dev, input: x, on_fail: { max_retries: 5 } }",
    ),
  ).spec.steps[0]!;
  assert(fallback.type === "single");
  assertEquals(fallback.maxRetries, 5);
});

Deno.test("loops: over, completion, verify_each and verify_step", () => {
  const loop = (spec: string, more = "") =>
    withSteps(
      `  - { id: impl, agent: dev, type: loop, input: x, loop: ${spec} }\n${more}`,
    );
  assertEquals(
    problems(withSteps("  - { id: impl, agent: dev, type: loop, input: x }")),
    [
      'steps[0].loop: missing; a "type: loop" step needs "loop: { over: stories }"',
    ],
  );
  assertEquals(problems(loop("{ completion: all_done }")), [
    "steps[0].loop.over: missing; expected one of stories",
  ]);
  assertEquals(problems(loop("{ over: stories, completion: any }")), [
    'steps[0].loop.completion: "any" is not one of all_done',
  ]);
  assertEquals(problems(loop("{ over: stories, verify_each: true }")), [
    "steps[0].loop.verify_step: missing; verify_each needs it",
  ]);
  assertEquals(
    problems(
      loop(
        "{ over: stories, verify_each: yes, verify_step: v }",
        "  - { id: v, agent: rev, input: y }",
      ),
    ),
    [
      "steps[0].loop.verify_each: expected true or false, got a string",
    ],
  );
  assertEquals(
    problems(withSteps(
      "  - { id: v, agent: rev, input: y }\n  - { id: impl, agent: dev, type: loop, input: x, loop: { over: stories, verify_each: true, verify_step: v } }",
    )),
    ['steps[1].loop.verify_step: step "v" must come after "impl"'],
  );
  assertEquals(
    problems(loop("{ over: stories, verify_each: true, verify_step: impl }")),
    [
      'steps[0].loop.verify_step: step "impl" must come after "impl"',
    ],
  );
  assertEquals(
    problems(
      loop(
        "{ over: stories, verify_each: true, verify_step: g }",
        "  - { id: g, type: gate }",
      ),
    ),
    [
      'steps[0].loop.verify_step: step "g" is not a single step; a verify step runs once per story',
    ],
  );
  assertEquals(
    problems(withSteps(
      `  - { id: a, agent: dev, type: loop, input: x, loop: { over: stories, verify_each: true, verify_step: v } }
  - { id: b, agent: dev, type: loop, input: x, loop: { over: stories, verify_each: true, verify_step: v } }
  - { id: v, agent: rev, input: y }`,
    )),
    ['steps[1].loop.verify_step: step "v" already verifies "a"'],
  );
  const warned = parseWorkflowSpec(
    loop(
      "{ over: stories, fresh_session: false, verify_step: v }",
      "  - { id: v, agent: rev, input: y }",
    ),
  );
  assertEquals(warned.warnings.map((w) => formatIssue(w)), [
    "steps[0].loop.fresh_session: ignored: every attempt runs in a fresh OpenCode session",
    "steps[0].loop.verify_step: ignored as verify_each is not true; the step runs in the pipeline",
  ]);
  const step = warned.spec.steps[0]!;
  assert(step.type === "loop");
  assertEquals(step.loop, {
    over: "stories",
    completion: "all_done",
    freshSession: false,
    verifyStep: null,
  });
});

Deno.test("on_fail: retry_step, escalation and their references", () => {
  const two = (onFail: string) =>
    withSteps(
      `  - { id: a, agent: dev, input: x }\n  - { id: b, agent: rev, input: y, on_fail: ${onFail} }`,
    );
  assertEquals(problems(two("{ retry_step: nope }")), [
    'steps[1].on_fail.retry_step: no step "nope"',
  ]);
  assertEquals(problems(two("{ retry_step: b }")), [
    'steps[1].on_fail.retry_step: step "b" must come before "b"',
  ]);
  assertEquals(
    problems(
      withSteps(
        `  - { id: a, agent: dev, input: x, on_fail: { retry_step: b } }\n  - { id: b, agent: rev, input: y }`,
      ),
    ),
    ['steps[0].on_fail.retry_step: step "b" must come before "a"'],
  );
  assertEquals(
    problems(
      withSteps(
        `  - { id: g, type: gate }\n  - { id: b, agent: rev, input: y, on_fail: { retry_step: g } }`,
      ),
    ),
    ['steps[1].on_fail.retry_step: step "g" is a gate'],
  );
  assertEquals(problems(two("{ escalate_to: slack }")), [
    'steps[1].on_fail.escalate_to: "slack" is not one of human',
  ]);
  assertEquals(problems(two("{ on_exhausted: { escalate_to: boss } }")), [
    'steps[1].on_fail.on_exhausted.escalate_to: "boss" is not one of human',
  ]);
  assertEquals(problems(two("{ on_exhausted: { notify: x } }")), [
    "steps[1].on_fail.on_exhausted.notify: unknown key",
    "steps[1].on_fail.on_exhausted.escalate_to: missing; expected one of human",
  ]);
  assertEquals(problems(two("{ retry: a }")), [
    'steps[1].on_fail.retry: unknown key; did you mean "retry_step"?',
  ]);
  assertEquals(problems(two("done")), [
    "steps[1].on_fail: expected a mapping, got a string",
  ]);
  assertEquals(
    problems(withSteps(`  - { id: x, agent: dev, input: x }
  - { id: impl, agent: dev, type: loop, input: x, loop: { over: stories, verify_each: true, verify_step: v } }
  - { id: v, agent: rev, input: y, on_fail: { retry_step: x } }`)),
    ['steps[2].on_fail.retry_step: "v" verifies the stories of "impl" and can only send work back to it'],
  );
  const ok = parseWorkflowSpec(
    two(
      "{ retry_step: a, max_retries: 4, on_exhausted: { escalate_to: human } }",
    ),
  );
  const b = ok.spec.steps[1]!;
  assert(b.type === "single");
  assertEquals(b.onFail, {
    retryStep: "a",
    maxRetries: 4,
    escalateToHuman: true,
  });
});

Deno.test("gates: a person's approval, with no agent fields", () => {
  assertEquals(
    problems(
      withSteps("  - { id: g, type: gate, agent: dev, expects: x, when: y }"),
    ),
    [
      "steps[0].when: unknown key",
      "steps[0].agent: a gate step runs no agent; remove it",
      "steps[0].expects: a gate step runs no agent; remove it",
    ],
  );
  const { spec } = parseWorkflowSpec(withSteps("  - { id: g, type: gate }"));
  assertEquals(spec.steps, [{ type: "gate", id: "g", input: "" }]);
});

Deno.test("relativePathProblem allows leaving the workflow directory, never absolute paths", () => {
  assertEquals(
    relativePathProblem("../../agents/shared/setup/AGENTS.md"),
    null,
  );
  assertEquals(relativePathProblem("agents/a.md"), null);
  assert(relativePathProblem("/abs") !== null);
  assert(relativePathProblem("a\0b") !== null);
  assert(relativePathProblem(["x"]) !== null);
  assert(relativePathProblem(null) !== null);
});

Deno.test("formatIssue shows paths, positions, or the file alone", () => {
  assertEquals(
    formatIssue({ path: "steps[0].id", message: "missing" }),
    "steps[0].id: missing",
  );
  assertEquals(
    formatIssue({ path: "", message: "bad", line: 3, column: 4 }, "w.yml"),
    "w.yml:3:4: bad",
  );
  assertEquals(formatIssue({ path: "", message: "bad" }), "workflow.yml: bad");
});
