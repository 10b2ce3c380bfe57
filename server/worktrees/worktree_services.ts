/**
 * Wires session worktrees into Flock's services: the worktree service over
 * its store and a git runner, the `session.changes` watch on `publish`, and
 * the resync of the sessions in worktrees (OpenCode lists a directory's
 * sessions and statuses only when asked for that directory).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { WireEvent } from "../contract/events.ts";
import type { InstanceStore } from "../db/instance_store.ts";
import type { SessionStore } from "../db/session_store.ts";
import { WorktreeStore } from "../db/worktree_store.ts";
import { GitRunner } from "../git/git_runner.ts";
import type { OpenCodeClient } from "../opencode/opencode_client.ts";
import {
  type ResyncSnapshot,
  SESSION_LIST_LIMIT,
} from "../opencode/upstream_events.ts";
import { watchChanges } from "./changes_watch.ts";
import { SessionWorktrees } from "./session_worktrees.ts";

/** Options for {@linkcode composeWorktrees}. */
export interface WorktreeServicesOptions {
  /** Where worktrees go (`<data dir>/worktrees`). */
  root: string;
  /** Default: a runner of the `git` on PATH. */
  git?: GitRunner;
}

/** What {@linkcode composeWorktrees} wires into. */
export interface WorktreeServiceDeps {
  instances: InstanceStore;
  sessions: SessionStore;
  publish: (event: WireEvent) => void;
  listen: Parameters<typeof watchChanges>[0];
}

/** The worktree service, with its `session.changes` watch listening. */
export function composeWorktrees(
  db: DatabaseSync,
  deps: WorktreeServiceDeps,
  options: WorktreeServicesOptions,
): SessionWorktrees {
  const worktrees = new SessionWorktrees({
    store: new WorktreeStore(db),
    git: options.git ?? new GitRunner(),
    root: options.root,
    // Root sessions only: a subagent's session goes with its parent.
    sessionsOf: (instanceId) => deps.sessions.listByInstance(instanceId),
  });
  watchChanges(deps.listen, deps.publish, {
    session: (id) => deps.sessions.get(id),
    sessionsOf: (instanceId) => {
      const own = deps.instances.get(instanceId)?.working_directory;
      return deps.sessions.listByInstance(instanceId).flatMap((s) => {
        const directory = s.directory ?? own;
        return directory === undefined ? [] : [{ id: s.id, directory }];
      });
    },
  });
  return worktrees;
}

/**
 * Adds the sessions, statuses and (when the snapshot has them) pending
 * requests of the instance's worktrees to a resync snapshot of its own
 * directory.
 *
 * @throws when OpenCode cannot list one (the resync is then skipped, so no
 * recorded session is dropped for want of an answer).
 */
export async function withWorktreeSessions(
  snapshot: ResyncSnapshot,
  directories: readonly string[],
  client: Pick<
    OpenCodeClient,
    "listSessions" | "sessionStatus" | "listPermissions" | "listQuestions"
  >,
): Promise<ResyncSnapshot> {
  if (directories.length === 0) return snapshot;
  const seen = new Set(snapshot.sessions.map((s) => s.id));
  const sessions = [...snapshot.sessions];
  const statuses = { ...snapshot.statuses };
  const permissions = snapshot.permissions && [...snapshot.permissions];
  const questions = snapshot.questions && [...snapshot.questions];
  for (const directory of new Set(directories)) {
    const options = { timeoutMs: 30_000, directory };
    const [listed, busy] = await Promise.all([
      client.listSessions(
        { roots: true, directory, limit: SESSION_LIST_LIMIT },
        options,
      ),
      client.sessionStatus(options),
    ]);
    for (const session of listed) {
      if (seen.has(session.id)) continue;
      seen.add(session.id);
      sessions.push(session);
    }
    Object.assign(statuses, busy);
    if (permissions && questions) {
      const [asked, questioned] = await Promise.all([
        client.listPermissions(options),
        client.listQuestions(options),
      ]);
      permissions.push(...asked);
      questions.push(...questioned);
    }
  }
  return {
    ...snapshot,
    sessions,
    statuses,
    ...(permissions && questions ? { permissions, questions } : {}),
  };
}
