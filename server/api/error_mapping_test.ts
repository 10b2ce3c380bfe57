/**
 * How OpenCode and supervisor failures reach API clients: the mapping in
 * `toResponse`, and a child that cannot be reached (a dead port) giving 502
 * over real HTTP.
 */
import { MIGRATIONS } from "../../migrations/migrations.ts";
import type { ApiErrorBody } from "../contract/api.ts";
import type { SessionJson } from "../contract/sessions.ts";
import { createApp } from "../app.ts";
import { openDatabase } from "../db/database.ts";
import { InstanceStore } from "../db/instance_store.ts";
import { migrate } from "../db/migrate.ts";
import { SessionStore } from "../db/session_store.ts";
import { toResponse } from "../http/errors.ts";
import { OpenCodeClient } from "../opencode/opencode_client.ts";
import {
  OpenCodeHttpError,
  OpenCodeUnavailableError,
} from "../opencode/opencode_errors.ts";
import {
  InstanceNotFoundError,
  InstanceNotRunningError,
  SupervisorClosedError,
} from "../opencode/instance_errors.ts";
import { testServices } from "../testing/app_services.ts";
import { assertEquals, assertMatch } from "../testing/assert.ts";
import { UncommittedChangesError } from "../git/git_errors.ts";
import { WorktreesHaveWorkError } from "../worktrees/worktree_errors.ts";
import { RunWorktreeError } from "../runs/run_errors.ts";
import { NO_SUPERVISOR } from "./api_context.ts";

async function body(res: Response): Promise<ApiErrorBody> {
  return await res.json() as ApiErrorBody;
}

Deno.test("toResponse maps supervisor and OpenCode errors", async () => {
  const cases: [unknown, number, string][] = [
    [
      new InstanceNotRunningError("inst_a", "stopped"),
      409,
      "instance_not_running",
    ],
    [new InstanceNotFoundError("inst_a"), 404, "not_found"],
    [new SupervisorClosedError(), 503, "shutting_down"],
    [
      new OpenCodeHttpError(404, "Session not found: ses_x", "GET /session/x"),
      404,
      "not_found",
    ],
    [
      new OpenCodeHttpError(400, "bad agent", "POST /x"),
      400,
      "upstream_bad_request",
    ],
    [
      new OpenCodeHttpError(409, "Session is busy: ses_x", "POST /x"),
      409,
      "upstream_conflict",
    ],
    [new OpenCodeHttpError(500, "boom", "POST /x"), 502, "bad_gateway"],
    [
      new OpenCodeUnavailableError("Cannot reach OpenCode", false),
      502,
      "bad_gateway",
    ],
    [new OpenCodeUnavailableError("Timed out", true), 502, "bad_gateway"],
  ];
  for (const [error, status, code] of cases) {
    const res = toResponse(error);
    assertEquals(res.status, status, String(error));
    const b = await body(res);
    assertEquals(b.error.code, code);
  }
  const notRunning = await body(
    toResponse(new InstanceNotRunningError("inst_a", "stopped")),
  );
  assertMatch(notRunning.error.message, /not running.*stopped/);
});

Deno.test("toResponse: a review of a run's worktree that does not apply is a 400 without one, else a 409 with its code", async () => {
  const cases: [RunWorktreeError["code"], number][] = [
    ["no_worktree", 400],
    ["worktree_removed", 409],
    ["worktree_missing", 409],
    ["run_active", 409],
  ];
  for (const [code, status] of cases) {
    const message = `Cannot merge run #1 as ${code}`;
    const res = toResponse(new RunWorktreeError("run_1", code, message));
    assertEquals(res.status, status, code);
    assertEquals((await body(res)).error, { code, message });
  }
});

Deno.test("toResponse: worktrees with work to lose are a 409 naming each in error.worktrees", async () => {
  const worktrees = [{
    session_id: "ses_a",
    branch: "task-a",
    base: "main",
    path: "/data/worktrees/inst_x/task-a-1",
    files: ["a.txt", "b.txt"],
    unmerged_commits: 0,
  }, {
    session_id: "ses_b",
    branch: null,
    base: "main",
    path: "/data/worktrees/inst_x/b-2",
    files: [],
    unmerged_commits: 1,
  }];
  const res = toResponse(new WorktreesHaveWorkError("inst_x", worktrees));
  assertEquals(res.status, 409);
  const got = await body(res);
  assertEquals(got.error.code, "worktrees_have_work");
  assertEquals(got.error.worktrees, worktrees);
  assertEquals(got.error.files, undefined);
  assertEquals(
    got.error.message,
    "Cannot delete instance inst_x as 2 sessions' worktrees have work to lose: session ses_a (branch task-a: uncommitted changes in a.txt, b.txt); session ses_b (branch detached: 1 commit not merged into main); commit and merge it, delete those sessions, or delete with ?force=true (unmerged branches are kept)",
  );
  // A git error's files still go in error.files, with no worktrees.
  const dirty = await body(
    toResponse(new UncommittedChangesError("merge", "/wt", ["x.txt"])),
  );
  assertEquals([dirty.error.files, dirty.error.worktrees], [
    ["x.txt"],
    undefined,
  ]);
});

Deno.test("a child that cannot be reached gives 502 over real HTTP; listing falls back to the record", async () => {
  const db = openDatabase(":memory:");
  migrate(db, MIGRATIONS);
  const instances = new InstanceStore(db);
  const sessions = new SessionStore(db);
  const dir = await Deno.makeTempDir();
  instances.create({ id: "inst_dead", name: "dead", working_directory: dir });
  instances.update("inst_dead", { status: "running", pid: 1, port: 1 });
  sessions.upsert({ id: "ses_dead", instance_id: "inst_dead", title: "t" });
  // A port that was free a moment ago: connections are refused.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const client = new OpenCodeClient({
    baseUrl: `http://127.0.0.1:${deadPort}`,
    password: "unused",
    timeoutMs: 2000,
  });
  const app = createApp({
    services: testServices({
      db,
      supervisor: {
        ...NO_SUPERVISOR,
        ensureClient: () => Promise.resolve(client),
        runningClient: () => client,
      },
    }),
    assets: new Map(),
    version: "test",
    startedAt: Date.now(),
  });
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    app.handler,
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    for (
      const [method, path, payload] of [
        ["GET", "/api/sessions/ses_dead/messages", undefined],
        ["POST", "/api/sessions/ses_dead/messages", { text: "hi" }],
        ["POST", "/api/sessions/ses_dead/abort", undefined],
        ["POST", "/api/instances/inst_dead/sessions", {}],
      ] as const
    ) {
      const res = await fetch(base + path, {
        method,
        headers: { "content-type": "application/json" },
        ...(payload ? { body: JSON.stringify(payload) } : {}),
      });
      assertEquals(res.status, 502, `${method} ${path}`);
      assertEquals((await body(res)).error.code, "bad_gateway");
    }
    const list = await fetch(`${base}/api/instances/inst_dead/sessions`);
    assertEquals(list.status, 200);
    assertEquals(
      (await list.json() as SessionJson[]).map((s) => s.id),
      ["ses_dead"],
    );
    const perms = await fetch(`${base}/api/permissions`);
    assertEquals(await perms.json(), []);
  } finally {
    app.broker.close();
    await server.shutdown();
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
