/**
 * Services for tests that call `createApp` directly: an in-memory (or given)
 * database, the real stores, broker, tracker and `publish`, composed the
 * same way as in production (`composeEventServices`), and by default a
 * supervisor under which nothing ever runs.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { MIGRATIONS } from "../../migrations/migrations.ts";
import { NO_SUPERVISOR, type SupervisorApi } from "../api/api_context.ts";
import { openDatabase } from "../db/database.ts";
import { InstanceNotRunningError } from "../opencode/instance_errors.ts";
import { migrate } from "../db/migrate.ts";
import { EventBroker } from "../events/event_broker.ts";
import { MemoryEventIds } from "../events/event_ids.ts";
import {
  type AppServices,
  composeEventServices,
  composeRunServices,
  type RunServicesOptions,
} from "../services.ts";

/** In-memory services plus their database; dispose to close both. */
export interface TestServices extends AppServices, Disposable {
  db: DatabaseSync;
}

/**
 * Composes services for an in-process app.
 *
 * @param options.db A migrated database to use (default: a fresh `:memory:` one, owned).
 * @param options.supervisor Default {@linkcode NO_SUPERVISOR}.
 */
export function testServices(
  options: {
    db?: DatabaseSync;
    supervisor?: SupervisorApi;
    runs?: RunServicesOptions;
    /** Where sessions' worktrees go (default: a path that does not exist). */
    worktreeRoot?: string;
  } = {},
): TestServices {
  let db = options.db;
  const owned = db === undefined;
  if (!db) {
    db = openDatabase(":memory:");
    migrate(db, MIGRATIONS);
  }
  const broker = new EventBroker({ ids: new MemoryEventIds() });
  const database = db;
  const supervisor = options.supervisor ?? NO_SUPERVISOR;
  const worktrees = {
    root: options.worktreeRoot ?? "/nonexistent/flock-test-worktrees",
  };
  const events = composeEventServices(database, broker, {
    client: (instanceId) => {
      const client = supervisor.runningClient(instanceId);
      if (!client) throw new InstanceNotRunningError(instanceId, null);
      return client;
    },
    wake: (instanceId) => supervisor.ensureClient(instanceId),
    worktrees,
  });
  const runServices = composeRunServices(
    database,
    events,
    supervisor,
    options.runs,
    worktrees,
  );
  return {
    db: database,
    ...events,
    ...runServices,
    supervisor,
    memory: { wanted() {} },
    [Symbol.dispose]() {
      void runServices.runs.close();
      broker.close();
      if (owned) database.close();
    },
  };
}
