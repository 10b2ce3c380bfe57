/**
 * What deserves a system notification, derived from one action and the
 * states before and after it (pure).
 *
 * @module
 */
import { sessionChangeOf } from "../../../server/contract/session_changes.ts";
import type { PermissionJson } from "../../../server/contract/permissions.ts";
import type { SessionJson } from "../../../server/contract/sessions.ts";
import type { StoreAction } from "./actions.ts";
import type { FlockState } from "./state.ts";

/** Something the user may want a notification about. */
export type StoreSignal =
  | { kind: "session-finished"; session: SessionJson }
  | { kind: "permission-asked"; permission: PermissionJson };

/**
 * The signals of a live event: a new permission request, or a session that
 * went idle after working (an error is followed by idle: the reply is over
 * then). Replayed events and REST answers signal nothing.
 *
 * @param before The state before the action.
 * @param after The state after it.
 * @param action The action.
 * @returns The signals, usually none.
 */
export function signalsOf(
  before: FlockState,
  after: FlockState,
  action: StoreAction,
): StoreSignal[] {
  if (action.kind !== "event" || !action.live) return [];
  const event = action.event;
  if (event.type === "permission.asked") {
    const permission = after.permissions.get(event.properties.id);
    return permission && !before.permissions.has(permission.id)
      ? [{ kind: "permission-asked", permission }]
      : [];
  }
  const change = sessionChangeOf(event);
  if (change?.kind !== "status" || change.status !== "idle") return [];
  const was = before.sessions.byId.get(change.sessionId)?.status;
  const session = after.sessions.byId.get(change.sessionId);
  return session &&
      (was === "busy" || was === "retry" || was === "error")
    ? [{ kind: "session-finished", session }]
    : [];
}
