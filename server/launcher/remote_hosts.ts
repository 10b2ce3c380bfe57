/**
 * The launcher contributor for remote OpenCode servers: Flock may connect
 * to the hosts of the remote instances recorded in its database (read when
 * it starts) and to each `--remote-host`. Deno's permissions are fixed for
 * the life of the process, so a server on a new host is attached after a
 * start with `--remote-host <host:port>`; from then on the database names
 * it and every later start grants it without the flag.
 *
 * @module
 */
import { openDatabaseReadOnly } from "../db/database.ts";
import { log } from "../log.ts";
import { netEntryOf } from "../opencode/remote_probe.ts";
import type { LaunchContributor } from "./needs.ts";

/**
 * The `host:port` of every remote instance recorded in the database at
 * `dbPath`; none when there is no database (or it predates remote
 * instances, or cannot be read: the launcher never fails on it).
 */
export function recordedRemoteHosts(dbPath: string): string[] {
  let db;
  try {
    db = openDatabaseReadOnly(dbPath);
  } catch (error) {
    log.warn(`Cannot read the remote instances in ${dbPath}:`, error);
    return [];
  }
  if (db === null) return [];
  try {
    const rows = db.prepare(
      "SELECT remote_url FROM instances WHERE kind = 'remote'",
    ).all();
    const hosts: string[] = [];
    for (const row of rows) {
      const origin = row.remote_url;
      if (typeof origin !== "string") continue;
      try {
        hosts.push(netEntryOf(origin));
      } catch {
        // Not a URL: nothing to grant.
      }
    }
    return hosts;
  } catch {
    // A database without remote instances yet (an older schema).
    return [];
  } finally {
    db.close();
  }
}

/** Makes the contributor; `read` is injected for tests. */
export function makeRemoteHostsContributor(
  read: (dbPath: string) => string[] = recordedRemoteHosts,
): LaunchContributor {
  return (config) => {
    const hosts = [...config.remoteHosts, ...read(config.dbPath)];
    return hosts.length === 0 ? {} : { outboundHosts: [...new Set(hosts)] };
  };
}

/** See the module documentation. */
export const remoteHostsContributor: LaunchContributor =
  makeRemoteHostsContributor();
