/**
 * The REST calls of sessions in worktrees and of reviewing a session's
 * changes: create a session (in its own worktree), its diff, revert and
 * unrevert, fork, a comment on a diff line, commit all, merge, delete
 * (`?force=true`); and of a run in its own worktree: its diff, merge and
 * the removal of its worktree. Each rejects with the {@linkcode ApiError}
 * of the route (`files` set on a merge conflict or uncommitted changes).
 *
 * @module
 */
import type { SessionJson } from "../../server/contract/sessions.ts";
import type {
  CommitResultJson,
  DiffScope,
  MergeResultJson,
  RunDiffJson,
  RunMergeResultJson,
  SessionDiffJson,
  WorktreeRemovalJson,
} from "../../server/contract/worktrees.ts";
import type { ApiClient } from "./api_client.ts";

export type { ApiError } from "./api_client.ts";

/** What the review calls need of the REST client. */
export type ReviewClient = Pick<ApiClient, "call">;

/** The worktree a new session asks for: Flock's branch name, or one given. */
export type WorktreeRequest = true | { branch: string; base?: string };

/** The body of `POST /api/instances/{id}/sessions`. */
export interface NewSessionBody {
  title?: string;
  worktree?: WorktreeRequest;
}

/** A comment on a line of a session's diff. */
export interface DiffCommentBody {
  file: string;
  line: number;
  quote: string;
  comment: string;
}

const enc = encodeURIComponent;
const session = (id: string) => `/api/sessions/${enc(id)}`;
const run = (id: string) => `/api/runs/${enc(id)}`;

/** `POST /api/instances/{id}/sessions`, with a worktree when asked (400/409 name the problem). */
export function createSession(
  api: ReviewClient,
  instanceId: string,
  body: NewSessionBody,
): Promise<SessionJson> {
  return api.call("POST", `/api/instances/${enc(instanceId)}/sessions`, body);
}

/** `GET /api/sessions/{id}/diff?scope=`. */
export function sessionDiff(
  api: ReviewClient,
  sessionId: string,
  scope: DiffScope,
): Promise<SessionDiffJson> {
  return api.call("GET", `${session(sessionId)}/diff?scope=${scope}`);
}

/** `POST /api/sessions/{id}/revert`: back to before the message (files too). */
export function revertSession(
  api: ReviewClient,
  sessionId: string,
  messageId: string,
): Promise<SessionJson> {
  return api.call("POST", `${session(sessionId)}/revert`, {
    message_id: messageId,
  });
}

/** `POST /api/sessions/{id}/unrevert`. */
export function unrevertSession(
  api: ReviewClient,
  sessionId: string,
): Promise<SessionJson> {
  return api.call("POST", `${session(sessionId)}/unrevert`);
}

/** `POST /api/sessions/{id}/fork` (201): a new session with the messages before `messageId`. */
export function forkSession(
  api: ReviewClient,
  sessionId: string,
  messageId?: string,
): Promise<SessionJson> {
  return api.call(
    "POST",
    `${session(sessionId)}/fork`,
    messageId === undefined ? {} : { message_id: messageId },
  );
}

/** `POST /api/sessions/{id}/comments` (202): the comment goes to the agent as a message. */
export function commentOnDiff(
  api: ReviewClient,
  sessionId: string,
  body: DiffCommentBody,
): Promise<SessionJson> {
  return api.call("POST", `${session(sessionId)}/comments`, body);
}

/** `POST /api/sessions/{id}/commit`: commits everything in the worktree. */
export function commitAll(
  api: ReviewClient,
  sessionId: string,
  message: string,
): Promise<CommitResultJson> {
  return api.call("POST", `${session(sessionId)}/commit`, { message });
}

/** `POST /api/sessions/{id}/merge` (409 `merge_conflict` / `uncommitted_changes` with `files`). */
export function mergeSession(
  api: ReviewClient,
  sessionId: string,
): Promise<MergeResultJson> {
  return api.call("POST", `${session(sessionId)}/merge`);
}

/** `DELETE /api/sessions/{id}[?force=true]` (409 on unmerged or uncommitted work unless forced). */
export async function deleteSession(
  api: ReviewClient,
  sessionId: string,
  force = false,
): Promise<void> {
  await api.call(
    "DELETE",
    `${session(sessionId)}${force ? "?force=true" : ""}`,
  );
}

/** `GET /api/runs/{id}/diff?scope=`: a run's changes in its own worktree. */
export function runDiff(
  api: ReviewClient,
  runId: string,
  scope: DiffScope,
): Promise<RunDiffJson> {
  return api.call("GET", `${run(runId)}/diff?scope=${scope}`);
}

/**
 * `POST /api/runs/{id}/merge`: its branch into its base, then its worktree
 * removed (409 `merge_conflict` / `uncommitted_changes` with `files`,
 * `run_active` while it runs).
 */
export function mergeRun(
  api: ReviewClient,
  runId: string,
): Promise<RunMergeResultJson> {
  return api.call("POST", `${run(runId)}/merge`);
}

/** `DELETE /api/runs/{id}/worktree[?force=true]` (409 on work to lose unless forced). */
export function removeRunWorktree(
  api: ReviewClient,
  runId: string,
  force = false,
): Promise<WorktreeRemovalJson> {
  return api.call(
    "DELETE",
    `${run(runId)}/worktree${force ? "?force=true" : ""}`,
  );
}
