/**
 * Error messages as the page shows them: the server's messages name
 * instances by id (`inst_…`), which means nothing to a person; the page
 * puts the instance's name in its place.
 *
 * @module
 */
import type { InstanceJson } from "../../server/contract/instances.ts";
import { basename } from "./format.ts";

/**
 * The message of an error, with every known instance id replaced by the
 * instance's name in quotes (an id inside a URL path stays).
 *
 * @param error What was thrown (an `ApiError`, any `Error`, anything).
 * @param instances The instances the page knows, by id.
 * @returns The text to show.
 * @example
 * ```ts
 * errorText(new Error("Cannot reach instance inst_1a as it is not running"), instances);
 * // "Cannot reach instance “alpha” as it is not running"
 * ```
 */
export function errorText(
  error: unknown,
  instances: ReadonlyMap<string, InstanceJson>,
): string {
  const message = error instanceof Error ? error.message : String(error);
  // ids inside a path (`/api/instances/inst_…/restart`) stay ids
  return message.replace(/(?<![/\w])inst_[A-Za-z0-9]+\b/g, (id) => {
    const instance = instances.get(id);
    if (!instance) return id;
    return `“${instance.name || basename(instance.working_directory)}”`;
  });
}
