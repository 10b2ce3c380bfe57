/**
 * The `instances` table: one row per OpenCode server, a local child or an
 * attached remote one. Also the live facts that are not persisted (the
 * measured memory), merged into every {@linkcode InstanceJson} it returns,
 * so every answer and every `instance.status` event carries them.
 *
 * A remote instance's password is stored here and only read back through
 * {@linkcode InstanceStore.remoteEndpoint}; no {@linkcode InstanceJson}
 * ever contains it.
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import {
  INSTANCE_KINDS,
  INSTANCE_STATUSES,
  type InstanceJson,
  type InstanceRecycleJson,
  type InstanceStatus,
} from "../contract/instances.ts";
import { prepareCached } from "./database.ts";
import { int, intOrNull, oneOf, type Row, text, textOrNull } from "./row.ts";

/** The fields a caller may change on an instance row. */
export interface InstancePatch {
  name?: string;
  status?: InstanceStatus;
  pid?: number | null;
  port?: number | null;
  exit_code?: number | null;
  last_error?: string | null;
  restart_count?: number;
  /** Null follows the default (`--idle-timeout`). */
  idle_timeout_s?: number | null;
  hibernated_at?: string | null;
  last_recycle?: InstanceRecycleJson | null;
}

/** What is needed to create a local instance row. */
export interface NewInstance {
  id: string;
  name: string;
  working_directory: string;
  /** Null or absent: follow the default. */
  idle_timeout_s?: number | null;
}

/** What is needed to attach a remote OpenCode server. */
export interface NewRemoteInstance {
  id: string;
  name: string;
  /** The directory the server reports (`GET /path`). */
  working_directory: string;
  /** `http[s]://host:port`, without user or password. */
  origin: string;
  /** The Basic-auth user (`opencode` unless the URL named another). */
  username: string;
  /** Empty when the server has no password. */
  password: string;
}

/** How to reach a remote instance's server (never sent anywhere but there). */
export interface RemoteEndpoint {
  origin: string;
  username: string;
  password: string;
}

/** Options for {@linkcode InstanceStore}. */
export interface InstanceStoreOptions {
  /** `--idle-timeout`: the idle timeout of instances without their own. Default 900. */
  defaultIdleTimeoutS?: number;
}

/** The default `--idle-timeout`: 15 minutes. */
export const DEFAULT_IDLE_TIMEOUT_S = 900;

const COLUMNS =
  "id, name, kind, pid, port, working_directory, status, exit_code, last_error, restart_count, idle_timeout_s, hibernated_at, last_recycle, remote_url, remote_username, created_at, updated_at";

/** The URL shown for a remote instance: the origin with its user, if not the default. */
export function displayUrl(origin: string, username: string): string {
  if (username === "opencode") return origin;
  const at = origin.indexOf("//") + 2;
  return `${origin.slice(0, at)}${encodeURIComponent(username)}@${
    origin.slice(at)
  }`;
}

function parseRecycle(raw: string | null): InstanceRecycleJson | null {
  if (raw === null) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (
      typeof value === "object" && value !== null && "at" in value &&
      "rss_bytes" in value && "limit_bytes" in value &&
      typeof value.at === "string" && typeof value.rss_bytes === "number" &&
      typeof value.limit_bytes === "number"
    ) {
      return {
        at: value.at,
        rss_bytes: value.rss_bytes,
        limit_bytes: value.limit_bytes,
      };
    }
  } catch {
    // Not JSON: treated as none.
  }
  return null;
}

/** Reads and writes instance rows. Pure SQL over an injected database. */
export class InstanceStore {
  #db: DatabaseSync;
  #defaultIdleTimeoutS: number;
  #memory = new Map<string, number>();

  constructor(db: DatabaseSync, options: InstanceStoreOptions = {}) {
    this.#db = db;
    this.#defaultIdleTimeoutS = options.defaultIdleTimeoutS ??
      DEFAULT_IDLE_TIMEOUT_S;
  }

  /** `--idle-timeout`, in seconds. */
  get defaultIdleTimeoutS(): number {
    return this.#defaultIdleTimeoutS;
  }

  #toJson(row: Row): InstanceJson {
    const pid = int(row, "pid");
    const port = int(row, "port");
    const id = text(row, "id");
    const kind = oneOf(row, "kind", INSTANCE_KINDS);
    const origin = textOrNull(row, "remote_url");
    const own = intOrNull(row, "idle_timeout_s");
    return {
      id,
      name: text(row, "name"),
      kind,
      working_directory: text(row, "working_directory"),
      url: origin === null
        ? null
        : displayUrl(origin, textOrNull(row, "remote_username") ?? "opencode"),
      status: oneOf(row, "status", INSTANCE_STATUSES),
      pid: pid > 0 ? pid : null,
      port: port > 0 ? port : null,
      restart_count: int(row, "restart_count"),
      exit_code: intOrNull(row, "exit_code"),
      last_error: textOrNull(row, "last_error"),
      idle_timeout_s: kind === "remote" ? 0 : own ?? this.#defaultIdleTimeoutS,
      hibernated_at: textOrNull(row, "hibernated_at"),
      memory_rss_bytes: this.#memory.get(id) ?? null,
      last_recycle: parseRecycle(textOrNull(row, "last_recycle")),
      created_at: text(row, "created_at"),
      updated_at: text(row, "updated_at"),
    };
  }

  /** Inserts a new local instance in `starting`. */
  create(instance: NewInstance): InstanceJson {
    const row = prepareCached(
      this.#db,
      `INSERT INTO instances (id, name, working_directory, status, idle_timeout_s)
       VALUES (?, ?, ?, 'starting', ?) RETURNING ${COLUMNS}`,
    ).get(
      instance.id,
      instance.name,
      instance.working_directory,
      instance.idle_timeout_s ?? null,
    );
    if (!row) throw new Error(`Cannot create instance: ${instance.id}`);
    return this.#toJson(row);
  }

  /** Inserts an attached remote server in `starting`. */
  createRemote(instance: NewRemoteInstance): InstanceJson {
    const row = prepareCached(
      this.#db,
      `INSERT INTO instances (id, name, kind, working_directory, status,
         remote_url, remote_username, remote_password)
       VALUES (?, ?, 'remote', ?, 'starting', ?, ?, ?) RETURNING ${COLUMNS}`,
    ).get(
      instance.id,
      instance.name,
      instance.working_directory,
      instance.origin,
      instance.username,
      instance.password,
    );
    if (!row) throw new Error(`Cannot create instance: ${instance.id}`);
    return this.#toJson(row);
  }

  /** Returns the instance, or undefined. */
  get(id: string): InstanceJson | undefined {
    const row = prepareCached(
      this.#db,
      `SELECT ${COLUMNS} FROM instances WHERE id = ?`,
    )
      .get(id);
    return row ? this.#toJson(row) : undefined;
  }

  /** Every instance, newest first. */
  list(): InstanceJson[] {
    const rows = prepareCached(
      this.#db,
      `SELECT ${COLUMNS} FROM instances ORDER BY created_at DESC, rowid DESC`,
    ).all();
    return rows.map((row) => this.#toJson(row));
  }

  /**
   * The local instance for this directory that is starting, running or
   * hibernating/hibernated (it wakes on use), if any.
   */
  findActiveByDirectory(workingDirectory: string): InstanceJson | undefined {
    const row = prepareCached(
      this.#db,
      `SELECT ${COLUMNS} FROM instances
       WHERE working_directory = ? AND kind = 'local'
         AND status IN ('starting', 'running', 'hibernating', 'hibernated')
       LIMIT 1`,
    ).get(workingDirectory);
    return row ? this.#toJson(row) : undefined;
  }

  /** The remote instance attached to this origin, if any. */
  findByRemoteOrigin(origin: string): InstanceJson | undefined {
    const row = prepareCached(
      this.#db,
      `SELECT ${COLUMNS} FROM instances WHERE remote_url = ?`,
    ).get(origin);
    return row ? this.#toJson(row) : undefined;
  }

  /** How to reach a remote instance's server, or undefined for a local one. */
  remoteEndpoint(id: string): RemoteEndpoint | undefined {
    const row = prepareCached(
      this.#db,
      `SELECT remote_url, remote_username, remote_password FROM instances
       WHERE id = ? AND kind = 'remote'`,
    ).get(id);
    if (!row) return undefined;
    return {
      origin: text(row, "remote_url"),
      username: textOrNull(row, "remote_username") ?? "opencode",
      password: textOrNull(row, "remote_password") ?? "",
    };
  }

  /**
   * Applies a patch and bumps `updated_at`.
   *
   * @returns The updated instance, or undefined if the id is unknown.
   */
  update(id: string, patch: InstancePatch): InstanceJson | undefined {
    // No process, no memory: the figure goes with the child.
    if (
      patch.status === "stopped" || patch.status === "hibernated" ||
      patch.status === "error"
    ) {
      this.#memory.delete(id);
    }
    const sets: string[] = [];
    const values: SQLInputValue[] = [];
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (key === "pid" || key === "port") {
        sets.push(`${key} = ?`);
        values.push(value === null ? 0 : value as number);
        continue;
      }
      if (key === "last_recycle") {
        sets.push("last_recycle = ?");
        values.push(value === null ? null : JSON.stringify(value));
        continue;
      }
      sets.push(`${key} = ?`);
      values.push(value as SQLInputValue);
    }
    sets.push("updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");
    const row = prepareCached(
      this.#db,
      `UPDATE instances SET ${
        sets.join(", ")
      } WHERE id = ? RETURNING ${COLUMNS}`,
    ).get(...values, id);
    return row ? this.#toJson(row) : undefined;
  }

  /**
   * Records the measured memory of an instance (not persisted; null
   * forgets it).
   *
   * @returns whether it changed.
   */
  setMemory(id: string, bytes: number | null): boolean {
    const before = this.#memory.get(id) ?? null;
    if (bytes === null) this.#memory.delete(id);
    else this.#memory.set(id, bytes);
    return before !== bytes;
  }

  /** Deletes the instance and, by cascade, its sessions. Returns whether it existed. */
  delete(id: string): boolean {
    this.#memory.delete(id);
    const result = prepareCached(this.#db, "DELETE FROM instances WHERE id = ?")
      .run(
        id,
      );
    return Number(result.changes) > 0;
  }

  /**
   * Instances a dead Flock left `starting`, `running`, `stopping` or
   * `hibernating`: the rows boot reconciliation must settle.
   */
  listUnsettled(): InstanceJson[] {
    const rows = prepareCached(
      this.#db,
      `SELECT ${COLUMNS} FROM instances
       WHERE status IN ('starting', 'running', 'stopping', 'hibernating')`,
    ).all();
    return rows.map((row) => this.#toJson(row));
  }
}
