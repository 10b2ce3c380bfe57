/**
 * The workflow and run stores on real SQLite files: versioned installs,
 * state + outbox + attempts + transition in one transaction, the unique
 * index that refuses a second live attempt, and everything surviving a
 * reopen of the file (what a restart sees).
 */
import type { DatabaseSync } from "node:sqlite";
import { MIGRATIONS } from "../../migrations/migrations.ts";
import {
  WorkflowInUseError,
  WorkflowNotFoundError,
} from "../runs/run_errors.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertThrows,
} from "../testing/assert.ts";
import { decide } from "../workflows/decide.ts";
import type { RunEvent } from "../workflows/decide_types.ts";
import type { RunState } from "../workflows/run_state.ts";
import { FEATURE_YAML, GATED_YAML } from "../workflows/testing/specs.ts";
import { loadWorkflow } from "../workflows/workflow_loader.ts";
import { openDatabase } from "./database.ts";
import { migrate } from "./migrate.ts";
import { RunNotFoundError } from "../runs/run_errors.ts";
import { RunStore } from "./run_store.ts";
import { WorkflowStore } from "./workflow_store.ts";

interface Stores extends Disposable {
  db: DatabaseSync;
  workflows: WorkflowStore;
  runs: RunStore;
  path: string;
  reopen(): Stores;
}

function openStores(path: string, owned: string | null): Stores {
  const db = openDatabase(path);
  migrate(db, MIGRATIONS);
  const workflows = new WorkflowStore(db);
  return {
    db,
    workflows,
    runs: new RunStore(db, workflows),
    path,
    reopen() {
      db.close();
      return openStores(path, owned);
    },
    [Symbol.dispose]() {
      try {
        db.close();
      } catch {
        // closed by reopen
      }
      if (owned) Deno.removeSync(owned, { recursive: true });
    },
  };
}

function tempStores(): Stores {
  const dir = Deno.makeTempDirSync({ prefix: "flock-runstore-" });
  return openStores(`${dir}/flock.db`, dir);
}

async function loaded(yaml: string) {
  return await loadWorkflow({
    yaml,
    dir: "/w/workflows/x",
    readTextFile: (path) => Promise.resolve(`text of ${path}`),
  });
}

function newRun(stores: Stores, id: string, workflowId: string, at = 1000) {
  return stores.runs.create(
    {
      id,
      workflowId,
      instanceId: "inst_a",
      task: "add a greeting",
      directory: "/w/project",
      baseCommit: null,
      at,
    },
    (state) => decide(state, { type: "start", at }),
  );
}

function apply(stores: Stores, state: RunState, event: RunEvent) {
  const decision = decide(state, event);
  assertEquals(decision.rejected, null);
  const commands = stores.runs.save(state, decision, event);
  return { state: decision.state, commands };
}

Deno.test("installs are versioned: a newer install never changes what an earlier run follows", async () => {
  using stores = tempStores();
  const first = stores.workflows.install(await loaded(GATED_YAML), 1000);
  assertEquals([first.id, first.revision, first.version], ["gated", 1, 2]);
  const { record } = newRun(stores, "run_a", "gated");
  const v3 = await loaded(
    GATED_YAML.replace("version: 2", "version: 3").replace(
      "Write {{task}}.",
      "Write {{task}} twice.",
    ),
  );
  const second = stores.workflows.install(v3, 2000);
  assertEquals([second.revision, second.version], [2, 3]);
  assertEquals(stores.workflows.get("gated")?.revision, 2);
  assertEquals(stores.workflows.list().map((w) => w.revision), [2]);
  // The first run still follows revision 1, also after a reopen.
  const reopened = stores.reopen();
  const again = reopened.runs.get("run_a")!;
  assertEquals(again.revision, 1);
  assertEquals(again.state.workflow.spec.version, 2);
  assertEquals(record.state.attempts[0]!.prompt, "Write add a greeting.");
  assertEquals(
    reopened.workflows.pinned("gated", 2).spec.steps[0]!.input,
    "Write {{task}} twice.",
  );
  reopened.db.close();
});

Deno.test("removing a workflow is refused while a run is active, then hides it; a new install starts a new revision", async () => {
  using stores = tempStores();
  stores.workflows.install(await loaded(GATED_YAML), 1000);
  const { record } = newRun(stores, "run_a", "gated");
  const refused = assertThrows(
    () => stores.workflows.remove("gated", 2000),
    WorkflowInUseError,
  );
  assertMatch(refused.message, /run_a/);
  apply(stores, record.state, { type: "stop", at: 2000 });
  stores.workflows.remove("gated", 3000);
  assertEquals(stores.workflows.get("gated"), undefined);
  assertEquals(stores.workflows.list(), []);
  assertThrows(
    () => stores.workflows.remove("gated", 3000),
    WorkflowNotFoundError,
  );
  assertThrows(() => newRun(stores, "run_b", "gated"), WorkflowNotFoundError);
  // The cancelled run still reads (its revision stays).
  assertEquals(stores.runs.get("run_a")?.state.status, "cancelled");
  const back = stores.workflows.install(await loaded(GATED_YAML), 4000);
  assertEquals(back.revision, 2);
});

Deno.test("a run's state, attempts, outbox and transitions are written together and survive a reopen", async () => {
  using stores = tempStores();
  stores.workflows.install(await loaded(FEATURE_YAML), 1000);
  const a = newRun(stores, "run_a", "feature-mini", 1000);
  const b = newRun(stores, "run_b", "feature-mini", 1001);
  assertEquals([a.record.state.runNumber, b.record.state.runNumber], [1, 2]);
  assertEquals(a.commands.map((c) => c.command.type), ["create_session"]);
  assertEquals(stores.runs.outbox("run_a"), a.commands);
  const attemptId = a.record.state.attempts[0]!.id;
  const created = apply(stores, a.record.state, {
    type: "session_created",
    at: 2000,
    attemptId,
    sessionId: "ses_1",
  });
  assertEquals(created.commands.map((c) => c.command.type), ["send_prompt"]);
  stores.runs.confirm(a.commands[0]!.seq);
  assertEquals(
    stores.runs.outbox("run_a").map((c) => c.command.type),
    ["send_prompt"],
  );
  assertEquals(stores.runs.attemptRows("run_a"), [{
    id: attemptId,
    step: "plan",
    story: null,
    phase: "prompting",
    outcome: null,
    session_id: "ses_1",
  }]);

  const reopened = stores.reopen();
  const record = reopened.runs.get("run_a")!;
  assertEquals(record.state, created.state);
  assertEquals(record.directory, "/w/project");
  assertEquals(
    reopened.runs.transitions("run_a").map((t) => [t.type, t.status]),
    [["start", "running"], ["session_created", "running"]],
  );
  assertEquals(reopened.runs.active().map((r) => r.state.id), [
    "run_a",
    "run_b",
  ]);
  assertEquals(reopened.runs.list().map((r) => r.run_number), [2, 1]);
  assertEquals(reopened.runs.list({ status: "blocked" }), []);
  assertEquals(
    reopened.runs.list({ workflow: "feature-mini", status: "running" })
      .length,
    2,
  );
  reopened.db.close();
});

Deno.test("a run's own worktree is kept in its columns and survives a reopen; a run without one has none", async () => {
  using stores = tempStores();
  stores.workflows.install(await loaded(FEATURE_YAML), 1000);
  assertEquals(stores.runs.nextRunNumber(), 1);
  const worktree = {
    path: "/data/worktrees/inst_a/run-7-ab12cd",
    branch: "flock/run-7-add-a-greeting",
    base: "main",
    repo: "/w/project",
  };
  const { record } = stores.runs.create({
    id: "run_wt",
    workflowId: "feature-mini",
    instanceId: "inst_a",
    task: "add a greeting",
    directory: `${worktree.path}/pkg`,
    baseCommit: "c0ffee",
    at: 1000,
    worktree,
    runNumber: 7,
  }, (state) => decide(state, { type: "start", at: 1000 }));
  const plain = newRun(stores, "run_plain", "feature-mini", 1001);
  assertEquals(record.state.runNumber, 7);
  assertEquals(plain.record.state.runNumber, 8);
  assertEquals(stores.runs.nextRunNumber(), 9);
  const shown = {
    path: worktree.path,
    branch: worktree.branch,
    base: "main",
    merged: null,
    removed: null,
  };
  assertEquals(record.state.worktree, shown);
  // The state column does not hold it: the columns are the one truth.
  const stored = stores.db.prepare("SELECT state FROM runs WHERE id = ?")
    .get("run_wt") as { state: string };
  assertEquals("worktree" in JSON.parse(stored.state), false);
  const reopened = stores.reopen();
  const again = reopened.runs.get("run_wt")!;
  assertEquals(again.worktree, { ...worktree, merged: null, removed: null });
  assertEquals(again.state.worktree, shown);
  assertEquals(again.directory, `${worktree.path}/pkg`);
  assertEquals(reopened.runs.get("run_plain")!.worktree, null);
  assertEquals(reopened.runs.get("run_plain")!.state.worktree, null);
  assertEquals(
    reopened.runs.list().map((r) => [r.run_number, r.worktree?.branch ?? null]),
    [[8, null], [7, worktree.branch]],
  );
  assertEquals(reopened.runs.worktreeDirectories("inst_a"), [
    `${worktree.path}/pkg`,
  ]);
  assertEquals(reopened.runs.worktreeDirectories("inst_b"), []);
  reopened.db.close();
});

Deno.test("what became of a run's worktree (merged, removed) is kept in its columns and shown in its JSON and summary", async () => {
  using stores = tempStores();
  stores.workflows.install(await loaded(FEATURE_YAML), 1000);
  const worktree = {
    path: "/data/worktrees/inst_a/run-1-ab12cd",
    branch: "flock/run-1-add-a-greeting",
    base: "main",
    repo: "/w/project",
  };
  stores.runs.create({
    id: "run_wt",
    workflowId: "feature-mini",
    instanceId: "inst_a",
    task: "add a greeting",
    directory: worktree.path,
    baseCommit: "c0ffee",
    at: 1000,
    worktree,
  }, (state) => decide(state, { type: "start", at: 1000 }));
  const merged = { commit: "beef", at: "2026-12-01T10:00:00.000Z" };
  stores.runs.finishWorktree("run_wt", { merged, removed: null });
  assertEquals(stores.runs.get("run_wt")!.worktree!.merged, merged);
  assertEquals(stores.runs.worktreeDirectories("inst_a"), [worktree.path]);
  const removed = { at: "2026-12-01T10:00:01.000Z", branchDeleted: true };
  stores.runs.finishWorktree("run_wt", { merged, removed });
  const reopened = stores.reopen();
  const again = reopened.runs.get("run_wt")!;
  assertEquals(again.worktree, { ...worktree, merged, removed });
  assertEquals(again.state.worktree!.removed, removed);
  assertEquals(reopened.runs.list()[0]!.worktree, {
    path: worktree.path,
    branch: worktree.branch,
    base: "main",
    merged,
    removed: { at: removed.at, branch_deleted: true },
  });
  // Its sessions are still listed by that directory (OpenCode keeps them).
  assertEquals(reopened.runs.worktreeDirectories("inst_a"), [worktree.path]);
  newRun(reopened, "run_plain", "feature-mini", 1001);
  assertThrows(
    () => reopened.runs.finishWorktree("run_plain", { merged, removed }),
    RunNotFoundError,
  );
  reopened.db.close();
});

Deno.test("the database refuses a second live attempt in a run, and the failed save changes nothing", async () => {
  using stores = tempStores();
  stores.workflows.install(await loaded(FEATURE_YAML), 1000);
  const { record } = newRun(stores, "run_a", "feature-mini");
  const live = record.state.attempts[0]!;
  // A corrupt decision: a second attempt while the first is live.
  const broken: RunState = {
    ...record.state,
    attempts: [...record.state.attempts, {
      ...live,
      id: "run_a.2",
      number: 2,
      step: "setup",
    }],
  };
  const event: RunEvent = { type: "recovered", at: 5000 };
  const refused = assertThrows(
    () =>
      stores.runs.save(record.state, {
        state: broken,
        commands: [{
          type: "notify",
          key: "k",
          kind: "failed",
          step: null,
          story: null,
          reason: "x",
        }],
        rejected: null,
      }, event),
    Error,
  );
  assertMatch(
    refused.message,
    /UNIQUE constraint failed: run_attempts\.run_id/,
  );
  assertEquals(stores.runs.get("run_a")!.state, record.state);
  assertEquals(stores.runs.attemptRows("run_a").length, 1);
  assertEquals(stores.runs.outbox("run_a").length, 1);
  assertEquals(stores.runs.transitions("run_a").length, 1);
  // Ending the first attempt and starting the next in one save is fine.
  const ended: RunState = {
    ...broken,
    attempts: [
      { ...live, phase: "ended", outcome: "aborted", endedAt: 5000 },
      broken.attempts[1]!,
    ],
  };
  stores.runs.save(
    record.state,
    { state: ended, commands: [], rejected: null },
    event,
  );
  assertEquals(
    stores.runs.attemptRows("run_a").map((r) => [r.id, r.phase]),
    [["run_a.1", "ended"], ["run_a.2", "creating_session"]],
  );
  assert(stores.runs.get("run_a")!.state.attempts.length === 2);
});
