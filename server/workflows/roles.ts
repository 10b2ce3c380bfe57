/**
 * What each agent role may do in OpenCode, and how long its attempts may run.
 *
 * Only `coding` may change files: every other role's session is created with
 * rules that deny `edit`, `write` and `patch`. Other permissions follow the
 * instance's own configuration. Timeouts follow antfarm: 30 minutes for
 * `coding` and `testing`, 20 for the rest, unless the agent sets
 * `timeoutSeconds`.
 *
 * @module
 */
import type { AgentRole, AgentSpec } from "./spec_types.ts";

/** One rule of OpenCode's `PermissionRuleset` (`POST /session` `permission`). */
export interface PermissionRule {
  permission: string;
  pattern: string;
  action: "allow" | "deny" | "ask";
}

/** The tools a non-coding role is denied. */
export const WRITE_PERMISSIONS = ["edit", "write", "patch"] as const;

/**
 * The permission rules a session of this role is created with.
 *
 * @example
 * ```ts
 * rolePermissions("coding"); // []
 * rolePermissions("verification").map((rule) => rule.permission); // ["edit", "write", "patch"]
 * ```
 */
export function rolePermissions(role: AgentRole): PermissionRule[] {
  if (role === "coding") return [];
  return WRITE_PERMISSIONS.map((permission) => ({
    permission,
    pattern: "*",
    action: "deny",
  }));
}

const MINUTE = 60_000;

/** A role's default attempt timeout, in milliseconds. */
export function roleTimeoutMs(role: AgentRole): number {
  return role === "coding" || role === "testing" ? 30 * MINUTE : 20 * MINUTE;
}

/** An agent's attempt timeout: its `timeoutSeconds`, else its role's. */
export function agentTimeoutMs(agent: AgentSpec): number {
  return agent.timeoutSeconds !== null
    ? agent.timeoutSeconds * 1000
    : roleTimeoutMs(agent.role);
}
