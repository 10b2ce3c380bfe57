/**
 * The workflow and run routes over real HTTP without a running OpenCode:
 * installing from YAML and from a directory (revisions, removal, --root),
 * every refusal as a JSON 4xx naming the field, and the run routes' error
 * paths. A full run with OpenCode is in `server/runs/runs_e2e_test.ts`.
 */
import type { ApiErrorBody } from "../contract/api.ts";
import type { InstanceJson } from "../contract/instances.ts";
import type { WorkflowJson } from "../contract/workflows.ts";
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import { startTestFlock } from "../testing/flock_harness.ts";
import { GATED_YAML } from "../workflows/testing/specs.ts";

type Err = ApiErrorBody;

const PLAIN = `
id: plain
name: Plain
version: 1
agents: [{ id: a, role: analysis }]
steps:
  - { id: one, agent: a, input: "Do {{task}}." }
`;

Deno.test("POST /api/workflows installs from YAML; a newer install is a new revision; DELETE removes it", async () => {
  await using flock = await startTestFlock({ opencode: false });
  const created = await flock.api<WorkflowJson>("POST", "/api/workflows", {
    yaml: GATED_YAML,
  });
  assertEquals(created.status, 201, JSON.stringify(created.body));
  assertEquals(created.headers.get("location"), "/api/workflows/gated");
  assertEquals(
    [created.body.id, created.body.version, created.body.revision],
    ["gated", 2, 1],
  );
  assertEquals(created.body.steps.map((s) => `${s.id}:${s.type}`), [
    "write:single",
    "approval:gate",
    "check:single",
  ]);
  assertEquals(created.body.path, null);
  const again = await flock.api<WorkflowJson>("POST", "/api/workflows", {
    yaml: GATED_YAML.replace("version: 2", "version: 3"),
  });
  assertEquals([again.body.revision, again.body.version], [2, 3]);
  const list = await flock.api<WorkflowJson[]>("GET", "/api/workflows");
  assertEquals(list.body.map((w) => `${w.id}@${w.revision}`), ["gated@2"]);
  const one = await flock.api<WorkflowJson>("GET", "/api/workflows/gated");
  assertEquals(one.body.version, 3);
  assertEquals(
    (await flock.api("DELETE", "/api/workflows/gated")).status,
    204,
  );
  const gone = await flock.api<Err>("GET", "/api/workflows/gated");
  assertEquals([gone.status, gone.body.error.code], [404, "not_found"]);
  const twice = await flock.api<Err>("DELETE", "/api/workflows/gated");
  assertEquals(twice.status, 404);
});

Deno.test("POST /api/workflows refuses bad input with a JSON 400 naming the field", async (t) => {
  await using flock = await startTestFlock({ opencode: false });
  const cases: [string, unknown, number, string, RegExp][] = [
    ["neither", {}, 400, "invalid_body", /exactly one of "path"/],
    ["both", { path: "/x", yaml: PLAIN }, 400, "invalid_body", /exactly one/],
    ["wrong type", { yaml: 3 }, 400, "invalid_field", /"yaml"/],
    ["unknown field", { yml: PLAIN }, 400, "unknown_field", /"yml"/],
    [
      "a dangling verify_step",
      {
        yaml: PLAIN.replace(
          'steps:\n  - { id: one, agent: a, input: "Do {{task}}." }',
          `steps:
  - { id: one, agent: a, input: "x" }
  - id: loop
    agent: a
    type: loop
    loop: { over: stories, verify_each: true, verify_step: verfy }
    input: "{{current_story}}"`,
        ),
      },
      400,
      "invalid_workflow",
      /steps\[1\]\.loop\.verify_step: .*"verfy"/,
    ],
    [
      "a YAML syntax error, with its line and column",
      { yaml: "id: x\nname: [1, 2\nversion: 1\n" },
      400,
      "invalid_workflow",
      /workflow\.yml:\d+:\d+: /,
    ],
    [
      "agent files without a directory",
      {
        yaml: PLAIN.replace(
          "{ id: a, role: analysis }",
          "{ id: a, role: analysis, workspace: { files: { AGENTS.md: a.md } } }",
        ),
      },
      400,
      "invalid_workflow",
      /agents\[0\]\.workspace\.files\["AGENTS\.md"\]: cannot read/,
    ],
    ["a relative path", { path: "wf" }, 400, "invalid_directory", /absolute/],
    [
      "a missing directory",
      { path: "/nonexistent/flock/wf" },
      400,
      "directory_not_found",
      /does not exist/,
    ],
  ];
  for (const [name, body, status, code, message] of cases) {
    await t.step(name, async () => {
      const res = await flock.api<Err>("POST", "/api/workflows", body);
      assertEquals(res.status, status, JSON.stringify(res.body));
      assertEquals(res.body.error.code, code);
      assertMatch(res.body.error.message, message);
    });
  }
  await t.step("a directory without workflow.yml", async () => {
    const dir = await flock.workspace("empty-wf");
    const res = await flock.api<Err>("POST", "/api/workflows", { path: dir });
    assertEquals(res.status, 400);
    assertMatch(
      res.body.error.message,
      /Cannot read .*workflow\.yml: no such file/,
    );
  });
  assertEquals((await flock.api("GET", "/api/workflows")).body, []);
});

Deno.test("POST /api/workflows from a directory reads its agent files, also beside it; --root confines every file", async () => {
  const base = await Deno.makeTempDir({ prefix: "flock-wf-roots-" });
  try {
    const root = `${base}/root`;
    const dir = `${root}/workflows/plain`;
    await Deno.mkdir(`${root}/agents/shared`, { recursive: true });
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(`${root}/agents/shared/A.md`, "You are A.");
    await Deno.writeTextFile(`${base}/outside.md`, "secret");
    const spec = (file: string) =>
      PLAIN.replace(
        "{ id: a, role: analysis }",
        `{ id: a, role: analysis, workspace: { files: { AGENTS.md: "${file}" } } }`,
      );
    await using flock = await startTestFlock({
      opencode: false,
      roots: [root],
    });
    await Deno.writeTextFile(
      `${dir}/workflow.yml`,
      spec("../../agents/shared/A.md"),
    );
    const ok = await flock.api<WorkflowJson>("POST", "/api/workflows", {
      path: dir,
    });
    assertEquals(ok.status, 201, JSON.stringify(ok.body));
    assertEquals(ok.body.path, dir);
    assertEquals(ok.body.agents[0]!.files, ["AGENTS.md"]);
    await Deno.writeTextFile(
      `${dir}/workflow.yml`,
      spec("../../../outside.md"),
    );
    const escaped = await flock.api<Err>("POST", "/api/workflows", {
      path: dir,
    });
    assertEquals(escaped.status, 400);
    assertMatch(
      escaped.body.error.message,
      /agents\[0\]\.workspace\.files\["AGENTS\.md"\]: cannot read "\.\.\/\.\.\/\.\.\/outside\.md": it is outside the allowed roots/,
    );
    const outside = await flock.api<Err>("POST", "/api/workflows", {
      path: base,
    });
    assertEquals([outside.status, outside.body.error.code], [
      403,
      "directory_not_allowed",
    ]);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("the run routes answer every refusal with a JSON 4xx naming the reason", async (t) => {
  await using flock = await startTestFlock({ opencode: false });
  await flock.api("POST", "/api/workflows", { yaml: PLAIN });
  const dir = await flock.workspace("proj");
  const instance = await flock.api<InstanceJson>("POST", "/api/instances", {
    working_directory: dir,
  });
  const stopped = await flock.waitForInstance(instance.body.id, ["error"]);
  const body = (extra: Record<string, unknown>) => ({
    workflow: "plain",
    instance_id: stopped.id,
    task: "say hi",
    ...extra,
  });
  const cases: [string, unknown, number, string, RegExp][] = [
    [
      "an unknown workflow",
      body({ workflow: "nope" }),
      400,
      "unknown_workflow",
      /field "workflow" names no installed workflow: nope/,
    ],
    [
      "an unknown instance",
      body({ instance_id: "inst_nope" }),
      400,
      "unknown_instance",
      /field "instance_id" names no instance/,
    ],
    [
      "an instance that is not running",
      body({}),
      409,
      "instance_not_running",
      /as it is error/,
    ],
    ["a blank task", body({ task: "  " }), 400, "invalid_field", /"task"/],
    [
      "a missing task",
      { workflow: "plain", instance_id: stopped.id },
      400,
      "missing_field",
      /"task"/,
    ],
    [
      "worktree not a boolean",
      body({ worktree: "yes" }),
      400,
      "invalid_field",
      /"worktree"/,
    ],
  ];
  for (const [name, payload, status, code, message] of cases) {
    await t.step(name, async () => {
      const res = await flock.api<Err>("POST", "/api/runs", payload);
      assertEquals(res.status, status, JSON.stringify(res.body));
      assertEquals(res.body.error.code, code);
      assertMatch(res.body.error.message, message);
    });
  }
  await t.step("lists and lookups", async () => {
    assertEquals((await flock.api("GET", "/api/runs")).body, []);
    assertEquals(
      (await flock.api("GET", "/api/runs?status=blocked&workflow=plain")).body,
      [],
    );
    const bad = await flock.api<Err>("GET", "/api/runs?status=stuck");
    assertEquals([bad.status, bad.body.error.code], [400, "invalid_query"]);
    for (
      const path of [
        "/api/runs/run_nope",
        "/api/runs/run_nope/stop",
        "/api/runs/run_nope/resume",
        "/api/runs/run_nope/steps/one/retry",
        "/api/runs/run_nope/steps/one/skip",
        "/api/runs/run_nope/steps/one/approve",
      ]
    ) {
      const method = path.split("/").length > 4 ? "POST" : "GET";
      const res = await flock.api<Err>(method, path);
      assertEquals(res.status, 404, path);
      assert(res.body.error.message.includes("run_nope"), path);
    }
  });
});
