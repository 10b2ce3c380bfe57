/**
 * The migrations, embedded in the module graph so that a bundled or compiled
 * Flock can migrate a brand-new database from any working directory.
 *
 * Add a new migration by creating `NNNN_verb_noun.sql` beside this file and
 * listing it below; `migrations_test.ts` fails when a file is not listed.
 *
 * @module
 */
import m0001 from "./0001_initial.sql" with { type: "text" };
import m0002 from "./0002_event_sequence.sql" with { type: "text" };
import m0003 from "./0003_workflow_runs.sql" with { type: "text" };
import m0004 from "./0004_driving_agents.sql" with { type: "text" };
import m0005 from "./0005_session_worktrees.sql" with { type: "text" };
import m0006 from "./0006_fleet.sql" with { type: "text" };
import m0007 from "./0007_run_worktrees.sql" with { type: "text" };
import m0008 from "./0008_run_worktree_review.sql" with { type: "text" };

/** One forward-only migration. */
export interface Migration {
  /** The number in the file name, starting at 1, without gaps. */
  version: number;
  /** The file name, used in error messages. */
  name: string;
  /** The SQL text. */
  sql: string;
  /**
   * Run with `PRAGMA foreign_keys = OFF` (a table rebuild: dropping the old
   * table must not cascade into the tables that reference it). Every
   * foreign key is checked before the migration commits.
   */
  foreignKeysOff?: boolean;
}

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "0001_initial.sql", sql: m0001 },
  { version: 2, name: "0002_event_sequence.sql", sql: m0002 },
  { version: 3, name: "0003_workflow_runs.sql", sql: m0003 },
  { version: 4, name: "0004_driving_agents.sql", sql: m0004 },
  { version: 5, name: "0005_session_worktrees.sql", sql: m0005 },
  { version: 6, name: "0006_fleet.sql", sql: m0006, foreignKeysOff: true },
  { version: 7, name: "0007_run_worktrees.sql", sql: m0007 },
  { version: 8, name: "0008_run_worktree_review.sql", sql: m0008 },
];
