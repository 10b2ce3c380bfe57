/**
 * A well-formed instance for unit tests (server and client), so a test
 * writes only the fields it is about and a new field of `InstanceJson` is
 * added in one place.
 *
 * @module
 */
import type { InstanceJson } from "../contract/instances.ts";

/**
 * A running local instance `inst_a` as the API returns it (named after its
 * id, in `/w/<id>`, no child process, the default idle timeout), with
 * `overrides` applied.
 */
export function instanceJson(
  overrides: Partial<InstanceJson> = {},
): InstanceJson {
  const id = overrides.id ?? "inst_a";
  return {
    id,
    name: id,
    kind: "local",
    working_directory: `/w/${id}`,
    url: null,
    status: "running",
    pid: null,
    port: null,
    restart_count: 0,
    exit_code: null,
    last_error: null,
    idle_timeout_s: 900,
    hibernated_at: null,
    memory_rss_bytes: null,
    last_recycle: null,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}
