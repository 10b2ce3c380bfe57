/**
 * Permission requests on the wire.
 *
 * @module
 */
import type { OpenCodePermission } from "./opencode.ts";

/**
 * A pending permission request, tagged with its instance. Flock's REST
 * answers also carry `root_session_id`: the top-level session it belongs
 * to (the session itself, or, for a request of a subagent's child session,
 * the session that started the subagent).
 */
export type PermissionJson = OpenCodePermission & {
  instance_id: string;
  root_session_id?: string;
};

/** The answer to a permission request. */
export type PermissionReply = "once" | "always" | "reject";
