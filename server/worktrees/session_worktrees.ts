/**
 * Sessions in worktrees of their own: Flock makes the branch and the
 * worktree (under its data directory), records that it owns them, and
 * answers a session's diff, merge, commit-all and removal through the git
 * layer (`server/git/`). A worktree goes with the last session that uses
 * it (`worktree_heir.ts`), and an instance's worktrees go with it.
 * OpenCode itself is not called here; the API creates and deletes the
 * OpenCode session around these steps.
 *
 * @module
 */
import type { InstanceJson } from "../contract/instances.ts";
import type { SessionJson } from "../contract/sessions.ts";
import type {
  CommitResultJson,
  DiffScope,
  MergeResultJson,
  SessionDiffJson,
} from "../contract/worktrees.ts";
import type { SessionWorktree, WorktreeStore } from "../db/worktree_store.ts";
import { commitAll } from "../git/commit.ts";
import type { GitRunner } from "../git/git_runner.ts";
import { createWorktree, removeWorktree } from "../git/worktrees.ts";
import { log } from "../log.ts";
import { NoWorktreeError } from "./worktree_errors.ts";
import type { WorktreeUser } from "./worktree_heir.ts";
import { type WorktreeRelease, WorktreeRemoval } from "./worktree_removal.ts";
import { branchDiff, mergeWorktree, workingDiff } from "./worktree_review.ts";

export type { WorktreeRelease } from "./worktree_removal.ts";
import { defaultBranchName, type WorktreeRequest } from "./worktree_request.ts";

/** Options for {@linkcode SessionWorktrees}. */
export interface SessionWorktreesOptions {
  store: WorktreeStore;
  git: GitRunner;
  /** Worktrees go to `<root>/<instance id>/<branch>-<hex>`. */
  root: string;
  /** Random hex for names. Default: 6 digits from `crypto`. */
  randomHex?: () => string;
  /**
   * The instance's root sessions, which may run in a worktree (forks do).
   * Default: none, so a worktree goes with its owner.
   */
  sessionsOf?: (instanceId: string) => readonly WorktreeUser[];
}

/** A worktree made for a session that does not exist yet. */
export interface PreparedWorktree {
  /** The worktree's top directory. */
  path: string;
  /** Where the session runs: the instance's directory inside the worktree. */
  directory: string;
  repo: string;
  branch: string;
  base: string;
  baseCommit: string;
}

function randomHex(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(3));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The directory a session works in. */
export function directoryOf(
  session: SessionJson,
  instance: InstanceJson | undefined,
): string | undefined {
  return session.directory ?? instance?.working_directory;
}

/** Worktrees owned by sessions, and the git work on them. */
export class SessionWorktrees {
  readonly #store: WorktreeStore;
  readonly #git: GitRunner;
  readonly #root: string;
  readonly #hex: () => string;
  readonly #removal: WorktreeRemoval;

  constructor(options: SessionWorktreesOptions) {
    this.#store = options.store;
    this.#git = options.git;
    this.#root = options.root.replace(/\/+$/, "");
    this.#hex = options.randomHex ?? randomHex;
    this.#removal = new WorktreeRemoval({
      store: this.#store,
      git: this.#git,
      sessionsOf: options.sessionsOf ?? (() => []),
    });
  }

  /** The session's worktree, if Flock made one for it. */
  get(sessionId: string): SessionWorktree | undefined {
    return this.#store.get(sessionId);
  }

  /** The instance's worktrees. */
  listByInstance(instanceId: string): SessionWorktree[] {
    return this.#store.listByInstance(instanceId);
  }

  /**
   * Makes the branch and its worktree for a new session of `instance`.
   *
   * @throws {NotAGitRepositoryError} when the instance's directory is not in git.
   * @throws {InvalidBranchNameError | UnknownRefError | BranchExistsError}
   */
  async prepare(
    instance: InstanceJson,
    request: WorktreeRequest,
    title: string | undefined,
  ): Promise<PreparedWorktree> {
    const hex = this.#hex();
    const branch = request.branch ?? defaultBranchName(title, hex);
    const slug = branch.replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 60);
    const path = `${this.#root}/${instance.id}/${slug}-${hex}`;
    const created = await createWorktree(this.#git, {
      repo: instance.working_directory,
      path,
      branch,
      ...(request.base === undefined ? {} : { base: request.base }),
    });
    const dir = instance.working_directory.replace(/\/+$/, "");
    const inside = dir.startsWith(created.repo + "/")
      ? dir.slice(created.repo.length)
      : "";
    return {
      path: created.path,
      directory: created.path + inside,
      repo: created.repo,
      branch: created.branch,
      base: created.base,
      baseCommit: created.baseCommit,
    };
  }

  /** Records that `sessionId` owns the prepared worktree. */
  adopt(
    sessionId: string,
    instanceId: string,
    prepared: PreparedWorktree,
  ): SessionWorktree {
    return this.#store.add({
      session_id: sessionId,
      instance_id: instanceId,
      path: prepared.path,
      repo: prepared.repo,
      branch: prepared.branch,
      base: prepared.base,
      base_commit: prepared.baseCommit,
    });
  }

  /** Takes back a prepared worktree no session got (its branch too: it is new). */
  async discard(prepared: PreparedWorktree): Promise<void> {
    await removeWorktree(this.#git, {
      repo: prepared.repo,
      path: prepared.path,
      base: prepared.baseCommit,
      force: true,
      deleteUnmergedBranch: true,
    });
  }

  /**
   * The session's changes: `working` is its directory's working tree
   * (untracked files included) against HEAD; `branch` is its worktree's
   * whole branch (committed or not) against the base.
   *
   * @throws {NoWorktreeError} for `branch` without a worktree.
   * @throws {NotAGitRepositoryError} when the directory is not in git.
   */
  async diff(
    session: SessionJson,
    directory: string,
    scope: DiffScope,
  ): Promise<SessionDiffJson> {
    const diff = scope === "branch"
      ? await branchDiff(
        this.#git,
        this.#require(session.id, "diff against a base"),
      )
      : await workingDiff(this.#git, directory);
    return { session_id: session.id, scope, ...diff };
  }

  /**
   * Merges the session's branch into its base (fast-forward when possible).
   *
   * @throws {NoWorktreeError}
   * @throws {UncommittedChangesError | MergeConflictError | BaseCheckoutDirtyError | NotABranchError}
   */
  async merge(sessionId: string): Promise<MergeResultJson> {
    return await mergeWorktree(this.#git, this.#require(sessionId, "merge"));
  }

  /**
   * Commits every change in the session's worktree.
   *
   * @throws {NoWorktreeError}
   * @throws {InvalidCommitMessageError | NothingToCommitError | MissingIdentityError}
   */
  async commit(sessionId: string, message: string): Promise<CommitResultJson> {
    const worktree = this.#require(sessionId, "commit");
    const result = await commitAll(this.#git, { dir: worktree.path, message });
    return { commit: result.commit, files: result.files };
  }

  /**
   * Lets go of the session's worktree as the session is deleted: a fork
   * still running in it inherits it, else it is removed (see
   * {@linkcode WorktreeRemoval.release}).
   *
   * @throws {UncommittedChangesError | UnmergedWorkError}
   */
  release(sessionId: string, force: boolean): Promise<WorktreeRelease | null> {
    return this.#removal.release(sessionId, force);
  }

  /**
   * Checks that removing the instance's worktrees without force loses
   * nothing.
   *
   * @throws {WorktreesHaveWorkError} naming each worktree with work to lose.
   */
  assertNoWorkToLose(instanceId: string): Promise<void> {
    return this.#removal.assertNoWorkToLose(instanceId);
  }

  /**
   * Removes every worktree of the instance as it is deleted (see
   * {@linkcode WorktreeRemoval.removeAll}), then its emptied folder.
   *
   * @throws {WorktreesHaveWorkError} without `force`.
   */
  async removeAll(instanceId: string, force: boolean): Promise<void> {
    await this.#removal.removeAll(instanceId, force);
    // The instance's folder of worktrees, empty now (a non-recursive remove
    // refuses a folder that still holds something).
    try {
      await Deno.remove(`${this.#root}/${instanceId}`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        log.warn(`Cannot remove the worktrees folder of ${instanceId}:`, error);
      }
    }
  }

  #require(sessionId: string, action: string): SessionWorktree {
    const worktree = this.#store.get(sessionId);
    if (!worktree) throw new NoWorktreeError(sessionId, action);
    return worktree;
  }
}
