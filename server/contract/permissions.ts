/**
 * Permission requests on the wire.
 *
 * @module
 */
import type { OpenCodePermission } from "./opencode.ts";

/** A pending permission request, tagged with its instance. */
export type PermissionJson = OpenCodePermission & { instance_id: string };

/** The answer to a permission request. */
export type PermissionReply = "once" | "always" | "reject";
