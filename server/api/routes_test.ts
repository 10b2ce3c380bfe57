/**
 * Every route's validation and error paths over real HTTP, without a
 * running OpenCode (instances fail to start here: the binary is missing),
 * plus the directory picker and the OpenAPI document.
 */
import type { ApiErrorBody } from "../contract/api.ts";
import type { InstanceJson } from "../contract/instances.ts";
import { assert, assertEquals, assertMatch } from "../testing/assert.ts";
import { startTestFlock } from "../testing/flock_harness.ts";
import type { DirectoriesJson } from "./directories.ts";
import { openApiPath } from "./openapi.ts";

type Err = ApiErrorBody;

Deno.test("POST /api/instances refuses bad bodies with JSON 4xx", async (t) => {
  await using flock = await startTestFlock({ opencode: false });
  const dir = await flock.workspace("valid");
  const file = `${dir}/a-file.txt`;
  await Deno.writeTextFile(file, "x");
  const cases: [string, unknown, Record<string, string>, number, string][] = [
    [
      "text/plain",
      JSON.stringify({ working_directory: dir }),
      { "content-type": "text/plain" },
      415,
      "unsupported_media_type",
    ],
    [
      "no content-type",
      JSON.stringify({ working_directory: dir }),
      { "content-type": "" },
      415,
      "unsupported_media_type",
    ],
    [
      "malformed JSON",
      "{nope",
      { "content-type": "application/json" },
      400,
      "bad_json",
    ],
    ["an array", [], {}, 400, "invalid_body"],
    [
      "unknown field",
      { working_directory: dir, extra: 1 },
      {},
      400,
      "unknown_field",
    ],
    ["wrong type", { working_directory: 42 }, {}, 400, "invalid_field"],
    ["missing field", { name: "x" }, {}, 400, "missing_field"],
    [
      "blank name",
      { working_directory: dir, name: "  " },
      {},
      400,
      "invalid_field",
    ],
    [
      "relative path",
      { working_directory: "some/dir" },
      {},
      400,
      "invalid_directory",
    ],
    [
      "missing dir",
      { working_directory: `${dir}/missing` },
      {},
      400,
      "directory_not_found",
    ],
    ["a file", { working_directory: file }, {}, 400, "not_a_directory"],
  ];
  for (const [name, body, headers, status, code] of cases) {
    await t.step(name, async () => {
      const res = await flock.api<Err>("POST", "/api/instances", body, headers);
      assertEquals(res.status, status, JSON.stringify(res.body));
      assertEquals(res.body.error.code, code);
      assert(res.body.error.message.length > 0);
    });
  }
  await t.step("a body over 1 MiB is 413", async () => {
    const big = JSON.stringify({ working_directory: "x".repeat(1024 * 1024) });
    const res = await flock.api<Err>("POST", "/api/instances", big, {
      "content-type": "application/json",
    });
    assertEquals(res.status, 413);
    assertEquals(res.body.error.code, "payload_too_large");
  });
  assertEquals((await flock.api("GET", "/api/instances")).body, []);
});

Deno.test("instance lifecycle without a runnable OpenCode: create, list, get, not-running 409s, logs, stop, restart, delete", async () => {
  await using flock = await startTestFlock({ opencode: false });
  const dir = await flock.workspace("proj");
  await Deno.mkdir(`${dir}/sub`);
  await using events = await flock.readSse("/api/events");
  const created = await flock.api<InstanceJson>("POST", "/api/instances", {
    working_directory: `${dir}/sub/../sub/.`,
  });
  assertEquals(created.status, 201);
  const inst = created.body;
  assertMatch(inst.id, /^inst_[0-9a-f]{16}$/);
  assertEquals(inst.status, "starting");
  assertEquals(inst.name, "sub");
  assertEquals(inst.working_directory, await Deno.realPath(`${dir}/sub`));
  assertEquals(created.headers.get("location"), `/api/instances/${inst.id}`);
  assert(!JSON.stringify(inst).toLowerCase().includes("password"));

  const failed = await flock.waitForInstance(inst.id, ["error"]);
  assert(failed.last_error, "the failure is explained");
  const named = await flock.api<InstanceJson>("POST", "/api/instances", {
    working_directory: dir,
    name: "Named",
  });
  assertEquals(named.body.name, "Named");
  const list = await flock.api<InstanceJson[]>("GET", "/api/instances");
  assertEquals(list.body.map((i) => i.id), [named.body.id, inst.id]);
  assertEquals(
    (await flock.api<InstanceJson>("GET", `/api/instances/${inst.id}`)).body.id,
    inst.id,
  );
  assertEquals(
    (await flock.api("GET", "/api/instances/inst_nope")).status,
    404,
  );

  const notRunning = await flock.api<Err>(
    "POST",
    `/api/instances/${inst.id}/sessions`,
    { title: "x" },
  );
  assertEquals(notRunning.status, 409);
  assertEquals(notRunning.body.error.code, "instance_not_running");
  assertMatch(notRunning.body.error.message, /not running/);
  const badSession = await flock.api<Err>(
    "POST",
    `/api/instances/${inst.id}/sessions`,
    { title: 5 },
  );
  assertEquals(badSession.status, 400);
  assertEquals(
    (await flock.api("GET", `/api/instances/${inst.id}/sessions`)).body,
    [],
  );
  const logs = await flock.api<unknown[]>(
    "GET",
    `/api/instances/${inst.id}/logs`,
  );
  assertEquals(logs.status, 200);
  assert(Array.isArray(logs.body));

  const stopped = await flock.api<InstanceJson>(
    "POST",
    `/api/instances/${inst.id}/stop`,
  );
  assertEquals([stopped.status, stopped.body.status], [200, "stopped"]);
  const restarted = await flock.api<InstanceJson>(
    "POST",
    `/api/instances/${inst.id}/restart`,
  );
  assertEquals(restarted.status, 202);
  await flock.waitForInstance(inst.id, ["error"]);

  for (const path of ["", "/restart", "/stop", "/logs", "/sessions"]) {
    const method = path === "/restart" || path === "/stop" ? "POST" : "GET";
    const res = await flock.api<Err>(method, `/api/instances/inst_nope${path}`);
    assertEquals(res.status, 404, `${method} ${path}`);
  }

  const del = await flock.api("DELETE", `/api/instances/${inst.id}`);
  assertEquals(del.status, 204);
  assertEquals(
    (await flock.api("GET", `/api/instances/${inst.id}`)).status,
    404,
  );
  assertEquals(
    (await flock.api("DELETE", `/api/instances/${inst.id}`)).status,
    404,
  );
  const seen = await events.reader.until(
    (e) => e.event === "instance.removed",
    10_000,
  );
  assert(seen.some((e) => e.event === "instance.status"));
  assertEquals(JSON.parse(seen.at(-1)!.data).instance_id, inst.id);
});

Deno.test("session and permission routes: 404 for unknown ids, 400 for bad bodies", async () => {
  await using flock = await startTestFlock({ opencode: false });
  const routes: [string, string, unknown?][] = [
    ["GET", "/api/sessions/ses_nope"],
    ["PATCH", "/api/sessions/ses_nope", { title: "x" }],
    ["DELETE", "/api/sessions/ses_nope"],
    ["GET", "/api/sessions/ses_nope/messages"],
    ["POST", "/api/sessions/ses_nope/messages", { text: "hi" }],
    ["POST", "/api/sessions/ses_nope/abort"],
    ["GET", "/api/sessions/ses_nope/permissions"],
    ["GET", "/api/sessions/ses_nope/events"],
    ["POST", "/api/permissions/per_nope", { reply: "once" }],
  ];
  for (const [method, path, body] of routes) {
    const res = await flock.api<Err>(method, path, body);
    assertEquals(res.status, 404, `${method} ${path}`);
    assertEquals(res.body.error.code, "not_found");
  }
  assertEquals((await flock.api("GET", "/api/permissions")).body, []);
  const badReply = await flock.api<Err>("POST", "/api/permissions/per_x", {
    reply: "sometimes",
  });
  assertEquals(badReply.status, 400);
  assertMatch(badReply.body.error.message, /once, always, reject/);
  const wrongType = await flock.api<Err>(
    "POST",
    "/api/permissions/per_x",
    "reply=once",
    { "content-type": "application/x-www-form-urlencoded" },
  );
  assertEquals(wrongType.status, 415);
  const res = await fetch(`${flock.url}/api/instances/x`, { method: "PUT" });
  assertEquals(res.status, 405);
  assertEquals(res.headers.get("allow"), "DELETE, GET, HEAD, PATCH");
  await res.body?.cancel();
});

Deno.test("GET /api/directories lists subdirectories only, sorted, and validates the path", async () => {
  const home = await Deno.makeTempDir({ prefix: "flock-dirs-" });
  try {
    for (const d of ["beta", "Alpha", "gamma", ".hidden", "beta/inner"]) {
      await Deno.mkdir(`${home}/${d}`, { recursive: true });
    }
    await Deno.writeTextFile(`${home}/file.txt`, "x");
    await Deno.mkdir(`${home}/Alpha/.git`); // a repository
    await Deno.writeTextFile(`${home}/beta/.git`, "gitdir: /elsewhere\n"); // a worktree
    await Deno.symlink(`${home}/gamma`, `${home}/link-to-gamma`);
    await Deno.symlink(`${home}/file.txt`, `${home}/link-to-file`);
    await Deno.symlink(`${home}/missing`, `${home}/dangling`);
    const real = await Deno.realPath(home);
    await using flock = await startTestFlock({ opencode: false, home });

    const def = await flock.api<DirectoriesJson>("GET", "/api/directories");
    assertEquals(def.status, 200);
    assertEquals(def.body.path, real);
    assertEquals(def.body.parent, real.slice(0, real.lastIndexOf("/")) || "/");
    assertEquals(def.body.directories.map((d) => d.name), [
      "Alpha",
      "beta",
      "gamma",
      "link-to-gamma",
    ]);
    assertEquals(def.body.directories[0]!.path, `${real}/Alpha`);
    assertEquals(def.body.directories.map((d) => d.git), [
      true,
      true,
      false,
      false,
    ]);

    const hidden = await flock.api<DirectoriesJson>(
      "GET",
      `/api/directories?hidden=true&path=${encodeURIComponent(home)}`,
    );
    assertEquals(hidden.body.directories.at(-1)!.name, ".hidden");

    const inner = await flock.api<DirectoriesJson>(
      "GET",
      `/api/directories?path=${encodeURIComponent(`${home}/beta`)}`,
    );
    assertEquals(inner.body.parent, real);
    assertEquals(inner.body.directories.map((d) => d.name), ["inner"]);

    const root = await flock.api<DirectoriesJson>(
      "GET",
      "/api/directories?path=/",
    );
    assertEquals(root.body.parent, null);

    for (
      const [path, code] of [
        ["relative", "invalid_directory"],
        [`${home}/missing`, "directory_not_found"],
        [`${home}/file.txt`, "not_a_directory"],
      ]
    ) {
      const res = await flock.api<Err>(
        "GET",
        `/api/directories?path=${encodeURIComponent(path!)}`,
      );
      assertEquals([res.status, res.body.error.code], [400, code]);
    }
    const badHidden = await flock.api<Err>("GET", "/api/directories?hidden=1");
    assertEquals(badHidden.status, 400);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("--root confines the directory picker and new instances; escaping symlinks are refused", async () => {
  const base = await Deno.makeTempDir({ prefix: "flock-roots-" });
  try {
    const root = `${base}/root`;
    await Deno.mkdir(`${root}/inside`, { recursive: true });
    await Deno.mkdir(`${base}/outside`);
    await Deno.symlink(`${base}/outside`, `${root}/escape`);
    await using flock = await startTestFlock({
      opencode: false,
      roots: [root],
      home: `${base}/outside`,
    });
    const realRoot = await Deno.realPath(root);
    const def = await flock.api<DirectoriesJson>("GET", "/api/directories");
    assertEquals(def.body.path, realRoot);
    assertEquals(def.body.parent, null);
    assertEquals(def.body.directories.map((d) => d.name), ["inside"]);
    const inside = await flock.api<DirectoriesJson>(
      "GET",
      `/api/directories?path=${encodeURIComponent(`${root}/inside`)}`,
    );
    assertEquals(inside.body.parent, realRoot);
    for (const path of [`${base}/outside`, `${root}/escape`, base]) {
      const listed = await flock.api<Err>(
        "GET",
        `/api/directories?path=${encodeURIComponent(path)}`,
      );
      assertEquals(listed.status, 403, path);
      assertEquals(listed.body.error.code, "directory_not_allowed");
      const created = await flock.api<Err>("POST", "/api/instances", {
        working_directory: path,
      });
      assertEquals(created.status, 403, path);
    }
    const ok = await flock.api<InstanceJson>("POST", "/api/instances", {
      working_directory: `${root}/inside`,
    });
    assertEquals(ok.status, 201);
    await flock.waitForInstance(ok.body.id, ["error"]);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("GET /api/openapi.json documents every route of the router", async () => {
  await using flock = await startTestFlock({ opencode: false });
  const res = await flock.api<{
    openapi: string;
    paths: Record<
      string,
      Record<string, {
        responses: Record<string, unknown>;
        requestBody?: {
          content: {
            "application/json": {
              schema: {
                oneOf: { required: string[]; additionalProperties: boolean }[];
              };
            };
          };
        };
      }>
    >;
    components: { schemas: Record<string, unknown> };
  }>("GET", "/api/openapi.json");
  assertEquals(res.status, 200);
  assertEquals(res.body.openapi, "3.1.0");
  assert(flock.flock.routes.length >= 20);
  for (const route of flock.flock.routes) {
    const op = res.body.paths[openApiPath(route.path)]
      ?.[route.method.toLowerCase()];
    assert(op, `${route.method} ${route.path} is documented`);
    assert(Object.keys(op.responses).length > 0);
    // The security layer's answers apply to every route.
    for (const status of ["403", "421"]) {
      assert(status in op.responses, `${route.method} ${route.path} ${status}`);
    }
    // Every route that reads a JSON body documents the body errors.
    if ("requestBody" in op) {
      for (const status of ["400", "413", "415"]) {
        assert(
          status in op.responses,
          `${route.method} ${route.path} ${status}`,
        );
      }
    }
  }
  const documented = Object.values(res.body.paths)
    .reduce((n, ops) => n + Object.keys(ops).length, 0);
  assertEquals(documented, flock.flock.routes.length);
  // Every $ref points at a defined schema.
  const text = JSON.stringify(res.body);
  for (const m of text.matchAll(/"#\/components\/schemas\/(\w+)"/g)) {
    assert(m[1]! in res.body.components.schemas, `schema ${m[1]}`);
  }
  const create = res.body.paths["/api/instances"]!.post;
  const schema = create?.requestBody?.content["application/json"].schema;
  assert(schema, "POST /api/instances documents its body");
  // A local directory, or a remote server.
  assertEquals(schema.oneOf.map((s) => s.required), [
    ["working_directory"],
    ["url"],
  ]);
  assertEquals(schema.oneOf.map((s) => s.additionalProperties), [false, false]);
});

Deno.test("driving routes without a running OpenCode: 404 for unknown ids, 400 for bad input, 409 when not running", async () => {
  await using flock = await startTestFlock({ opencode: false });
  const dir = await flock.workspace("driving");
  const created = await flock.api<InstanceJson>("POST", "/api/instances", {
    working_directory: dir,
  });
  const inst = created.body;
  await flock.waitForInstance(inst.id, ["error"]);
  const cases: [string, string, unknown, number, string][] = [
    ["POST", "/api/questions/que_nope", { answers: [["a"]] }, 404, "not_found"],
    [
      "POST",
      "/api/questions/que_nope",
      { reject: "yes" },
      400,
      "invalid_field",
    ],
    ["POST", "/api/questions/que_nope", {}, 400, "missing_field"],
    ["POST", "/api/questions/que_nope", [], 400, "invalid_body"],
    ["GET", "/api/sessions/ses_nope/questions", undefined, 404, "not_found"],
    ["GET", "/api/sessions/ses_nope/queue", undefined, 404, "not_found"],
    ["GET", "/api/sessions/ses_nope/marks", undefined, 404, "not_found"],
    ["GET", "/api/sessions/ses_nope/children", undefined, 404, "not_found"],
    ["GET", "/api/sessions/ses_nope/todos", undefined, 404, "not_found"],
    [
      "POST",
      "/api/sessions/ses_nope/command",
      { command: "x" },
      404,
      "not_found",
    ],
    ["DELETE", "/api/sessions/ses_nope/queue/q_x", undefined, 404, "not_found"],
    [
      "POST",
      "/api/sessions/ses_nope/queue/q_x/retry",
      undefined,
      404,
      "not_found",
    ],
    ["GET", "/api/instances/inst_nope/agents", undefined, 404, "not_found"],
    ["GET", "/api/instances/inst_nope/models", undefined, 404, "not_found"],
    ["GET", "/api/instances/inst_nope/commands", undefined, 404, "not_found"],
    ["GET", "/api/instances/inst_nope/files?q=a", undefined, 404, "not_found"],
    ["GET", "/api/instances/inst_nope/usage", undefined, 404, "not_found"],
    [
      "GET",
      `/api/instances/${inst.id}/agents`,
      undefined,
      409,
      "instance_not_running",
    ],
    [
      "GET",
      `/api/instances/${inst.id}/models`,
      undefined,
      409,
      "instance_not_running",
    ],
    ["GET", `/api/instances/${inst.id}/files`, undefined, 400, "missing_query"],
    [
      "GET",
      `/api/instances/${inst.id}/files?q=a`,
      undefined,
      409,
      "instance_not_running",
    ],
    [
      "GET",
      `/api/instances/${inst.id}/sessions?children=yes`,
      undefined,
      400,
      "invalid_query",
    ],
    ["GET", "/api/search", undefined, 400, "missing_query"],
    ["GET", "/api/search?q=", undefined, 400, "invalid_query"],
    ["GET", "/api/search?q=%3F%3F", undefined, 400, "invalid_query"],
    [
      "GET",
      `/api/search?q=${"x".repeat(201)}`,
      undefined,
      400,
      "invalid_query",
    ],
    ["GET", "/api/search?q=x&limit=101", undefined, 400, "invalid_query"],
  ];
  for (const [method, path, body, status, code] of cases) {
    const res = await flock.api<Err>(method, path, body);
    assertEquals(
      res.status,
      status,
      `${method} ${path}: ${JSON.stringify(res.body)}`,
    );
    assertEquals(res.body.error.code, code, `${method} ${path}`);
    assert(res.body.error.message.length > 0);
  }
  assertEquals((await flock.api("GET", "/api/questions")).body, []);
  assertEquals(
    (await flock.api("GET", "/api/search?q=nothing")).body,
    { query: "nothing", results: [] },
  );
  const usage = await flock.api<{ sessions: number; cost: number }>(
    "GET",
    `/api/instances/${inst.id}/usage`,
  );
  assertEquals([usage.status, usage.body.sessions, usage.body.cost], [
    200,
    0,
    0,
  ]);
  const wrongType = await flock.api<Err>(
    "POST",
    "/api/questions/que_x",
    "answers=a",
    { "content-type": "text/plain" },
  );
  assertEquals(wrongType.status, 415);
});
