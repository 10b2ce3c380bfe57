/**
 * The runner in process over a real SQLite file and a {@linkcode FakeWorld}
 * (no OpenCode): the services composed as in production, an instance row
 * that is `running`, and helpers to install a workflow and wait for what
 * the runs publish.
 *
 * @module
 */
import type { WireEvent } from "../../contract/events.ts";
import { isFlockEvent } from "../../contract/event_types.ts";
import type { RunJson, RunStatusJson } from "../../contract/workflows.ts";
import { MIGRATIONS } from "../../../migrations/migrations.ts";
import type { Clock } from "../../clock.ts";
import { openDatabase } from "../../db/database.ts";
import { migrate } from "../../db/migrate.ts";
import { type TestServices, testServices } from "../../testing/app_services.ts";
import { instanceJson } from "../../testing/instance_fixtures.ts";
import { loadWorkflow } from "../../workflows/workflow_loader.ts";
import type { RepoInputs } from "../repo_inputs.ts";
import type { RunWorktrees } from "../run_worktrees.ts";
import { FakeWorld, type WorldScript } from "./fake_world.ts";

/** Repository inputs of a directory that is not a git repository. */
export const NO_REPO: RepoInputs = {
  progress: () => Promise.resolve(null),
  changedFiles: () => Promise.resolve(null),
  head: () => Promise.resolve(null),
};

/** A runner over a database file and a fake world. */
export interface RunnerHarness extends AsyncDisposable {
  readonly services: TestServices;
  readonly world: FakeWorld;
  /** Every event published so far. */
  readonly events: WireEvent[];
  /** Installs a workflow from YAML (agent files read as `text of <path>`). */
  install(yaml: string): Promise<void>;
  /** Starts a run of the workflow on the instance (in its own worktree when asked). */
  run(workflow: string, task?: string, worktree?: boolean): Promise<RunJson>;
  /** Resolves once the run has one of `statuses` (from its `run.updated` events). */
  until(runId: string, statuses: readonly RunStatusJson[]): Promise<RunJson>;
  /** Resolves once `check` holds for a published event. */
  untilEvent(check: (event: WireEvent) => boolean): Promise<void>;
  /** Stops the runner as a crash would leave it (nothing more saved); keeps the file. */
  crash(): Promise<void>;
}

/** Options for {@linkcode startRunner}. */
export interface RunnerHarnessOptions {
  script: WorldScript;
  /** A database file to reuse (a restart); default a new temp one. */
  dbPath?: string;
  /** The world to reuse (OpenCode outlives Flock). */
  world?: FakeWorld;
  clock?: Clock;
  repo?: RepoInputs;
  /** Runs' own worktrees (default: git under a root that does not exist). */
  worktrees?: RunWorktrees;
}

/** The instance every harness runs on. */
export const INSTANCE_ID = "inst_a";

/** Starts the runner (and recovers what the file holds). */
export async function startRunner(
  options: RunnerHarnessOptions,
): Promise<RunnerHarness> {
  const dir = options.dbPath === undefined
    ? await Deno.makeTempDir({ prefix: "flock-runner-" })
    : null;
  const dbPath = options.dbPath ?? `${dir}/flock.db`;
  const db = openDatabase(dbPath);
  migrate(db, MIGRATIONS);
  const rowExists = db.prepare("SELECT 1 FROM instances WHERE id = ?").get(
    INSTANCE_ID,
  );
  if (!rowExists) {
    db.prepare(
      "INSERT INTO instances (id, name, working_directory, status) VALUES (?, 'a', '/w/project', 'running')",
    ).run(INSTANCE_ID);
  }
  const row = instanceJson({
    id: INSTANCE_ID,
    name: "a",
    working_directory: "/w/project",
    pid: 1,
    port: 1,
  });
  const world = options.world ?? new FakeWorld(row, options.script);
  world.script = options.script;
  const services = testServices({
    db,
    runs: {
      host: world.host,
      repo: options.repo ?? NO_REPO,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.worktrees === undefined
        ? {}
        : { worktrees: options.worktrees }),
    },
  });
  const events: WireEvent[] = [];
  const waiters = new Set<{ check(e: WireEvent): boolean; done(): void }>();
  services.listen((event) => {
    events.push(event);
    for (const waiter of [...waiters]) {
      if (waiter.check(event)) {
        waiters.delete(waiter);
        waiter.done();
      }
    }
  });
  world.emit = services.publish;
  await services.runs.start();
  let crashed = false;
  const untilEvent = (check: (event: WireEvent) => boolean) =>
    new Promise<void>((resolve, reject) => {
      if (events.some(check)) return resolve();
      const guard = setTimeout(
        () => reject(new Error("Timed out waiting for an event")),
        20_000,
      );
      waiters.add({
        check,
        done: () => {
          clearTimeout(guard);
          resolve();
        },
      });
    });
  const close = async () => {
    if (!crashed) await services.runs.close();
    services[Symbol.dispose]();
    db.close();
    if (dir !== null) await Deno.remove(dir, { recursive: true });
  };
  return {
    services,
    world,
    events,
    async install(yaml) {
      const loaded = await loadWorkflow({
        yaml,
        dir: "/w/workflows/x",
        readTextFile: (path) => Promise.resolve(`text of ${path}`),
      });
      services.workflows.install(loaded, Date.now());
    },
    run: (workflow, task = "add a greeting", worktree = false) =>
      services.runs.create({
        workflow,
        instanceId: INSTANCE_ID,
        task,
        ...(worktree ? { worktree } : {}),
      }),
    async until(runId, statuses) {
      await untilEvent((event) =>
        isFlockEvent(event) && event.type === "run.updated" &&
        event.properties.run.id === runId &&
        statuses.includes(event.properties.run.status)
      );
      return services.runs.get(runId)!;
    },
    untilEvent,
    async crash() {
      crashed = true;
      world.emit = () => {};
      await services.runs.close();
    },
    [Symbol.asyncDispose]: close,
  };
}
