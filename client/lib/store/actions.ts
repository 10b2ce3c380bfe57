/**
 * Everything that changes the page's state: an event from the stream, or
 * the outcome of a REST call. Reducers are pure functions of the state and
 * one of these.
 *
 * To add an action: add a member here (its `kind` names what happened, in
 * the past tense), handle it in the slice reducers it concerns, and dispatch
 * it from the store (`flock_store.ts`).
 *
 * @module
 */
import type { FlockEvent } from "../../../server/contract/events.ts";
import type { InstanceJson } from "../../../server/contract/instances.ts";
import type { PermissionJson } from "../../../server/contract/permissions.ts";
import type { SessionJson } from "../../../server/contract/sessions.ts";
import type {
  RunJson,
  WorkflowJson,
} from "../../../server/contract/workflows.ts";
import type { Conversation } from "../conversation.ts";
import type { SeenState } from "./seen.ts";
import type { RunsSnapshot } from "./runs.ts";
import type { MarkJson } from "../../../server/contract/marks.ts";
import type { OpenCodeTodo } from "../../../server/contract/opencode.ts";
import type { QuestionJson } from "../../../server/contract/questions.ts";
import type { QueuedMessageJson } from "../../../server/contract/queue.ts";
import type { UsageJson } from "../../../server/contract/catalog.ts";
import type { CatalogJson } from "./instance_extras.ts";
import type { ChangesAction } from "./changes.ts";

/** Everything a full refresh fetched over REST. */
export interface Snapshot {
  readonly instances: readonly InstanceJson[];
  readonly permissions: readonly PermissionJson[];
  /** Every pending question (absent: keep what is known). */
  readonly questions?: readonly QuestionJson[];
  /**
   * Each instance's sessions; null when its list did not load (what is
   * known about it is kept).
   */
  readonly sessions: ReadonlyMap<string, readonly SessionJson[] | null>;
  /**
   * Each instance's subagents' child sessions; null when they did not load
   * (what is known is kept).
   */
  readonly children?: ReadonlyMap<string, readonly SessionJson[] | null>;
  /**
   * Fresh histories of the open conversations, already brought up to date
   * with the events received meanwhile (a conversation whose history did not
   * load is not here and is kept as it is).
   */
  readonly conversations: ReadonlyMap<string, Conversation>;
  /** Workflows and run summaries; absent or null when they did not load (kept). */
  readonly runs?: RunsSnapshot | null;
}

/** One change to the state. */
export type StoreAction =
  | {
    kind: "event";
    event: FlockEvent;
    /** False when replayed after a snapshot (then it signals nothing). */
    live: boolean;
  }
  | { kind: "snapshot-loaded"; snapshot: Snapshot }
  | { kind: "snapshot-failed"; error: string }
  /** A REST answer returned an instance (created, restarted, stopped). */
  | { kind: "instance-saved"; instance: InstanceJson }
  /** This page deleted an instance. */
  | { kind: "instance-deleted"; instanceId: string }
  /** A REST answer returned a session (created, renamed). */
  | { kind: "session-saved"; session: SessionJson }
  /** This page deleted a session. */
  | { kind: "session-deleted"; sessionId: string }
  /** This page answered a permission request. */
  | { kind: "permission-answered"; permissionId: string }
  | { kind: "conversation-loading"; sessionId: string }
  | {
    kind: "conversation-loaded";
    sessionId: string;
    conversation: Conversation;
  }
  | { kind: "conversation-failed"; sessionId: string; error: string }
  /** The page read what the user had seen from the browser's storage. */
  | { kind: "seen-restored"; seen: SeenState }
  /** The user has the session open while it reads `updatedAt`. */
  | { kind: "session-seen"; sessionId: string; updatedAt: string }
  /** A REST answer returned a workflow (installed). */
  | { kind: "workflow-saved"; workflow: WorkflowJson }
  /** This page removed a workflow. */
  | { kind: "workflow-deleted"; workflowId: string }
  /** A REST answer returned a run (started, stopped, resumed, a step acted on). */
  | { kind: "run-saved"; run: RunJson }
  | { kind: "run-loading"; runId: string }
  /** A run's page loaded it (already brought up to date with the events meanwhile). */
  | { kind: "run-loaded"; run: RunJson }
  | { kind: "run-failed"; runId: string; error: string }
  /** This page answered or dismissed a question. */
  | { kind: "question-answered"; questionId: string }
  /** A session's child sessions were fetched. */
  | { kind: "children-loaded"; children: readonly SessionJson[] }
  /** A session's queue, marks or todos were fetched. */
  | {
    kind: "queue-loaded";
    sessionId: string;
    queue: readonly QueuedMessageJson[];
  }
  | { kind: "marks-loaded"; sessionId: string; marks: readonly MarkJson[] }
  | { kind: "todos-loaded"; sessionId: string; todos: readonly OpenCodeTodo[] }
  /** What an instance offers (agents, models, commands) was fetched. */
  | { kind: "catalog-loaded"; instanceId: string; catalog: CatalogJson }
  /** An instance's usage roll-up was fetched. */
  | { kind: "usage-loaded"; usage: UsageJson }
  /** The user dismissed an instance's "crashed and restarted" notice. */
  | { kind: "recovery-dismissed"; instanceId: string }
  /** The changes panel's reads and choices (`changes.ts`). */
  | ChangesAction;
