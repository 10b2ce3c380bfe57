/**
 * Asks an OpenCode server itself whether anything is going on in it (busy
 * sessions, pending permission requests), the last check before it is put
 * to sleep. An answer that does not come counts as work: a server that
 * does not answer may be busy, and hibernating is never urgent.
 *
 * @module
 */
import type { OpenCodeClient } from "../opencode/opencode_client.ts";

/** What keeps the server busy, or null when nothing does. Never rejects. */
export async function pendingWork(
  client: Pick<OpenCodeClient, "sessionStatus" | "listPermissions"> | null,
): Promise<string | null> {
  if (client === null) return "no running server";
  try {
    const [statuses, permissions] = await Promise.all([
      client.sessionStatus({ timeoutMs: 5000 }),
      client.listPermissions({ timeoutMs: 5000 }),
    ]);
    const parts: string[] = [];
    const busy = Object.keys(statuses).length;
    if (busy > 0) parts.push(`${busy} busy session(s)`);
    if (permissions.length > 0) {
      parts.push(`${permissions.length} pending permission request(s)`);
    }
    return parts.length === 0 ? null : parts.join(", ");
  } catch (error) {
    return `no answer (${error instanceof Error ? error.message : error})`;
  }
}
