/**
 * Attaching a remote `opencode serve` (`POST /api/instances` with `url`):
 * the URL is read (`fleet/remote_url.ts`), Flock's network permission for
 * its host is checked (a clear 400 naming `--remote-host`, never a raw
 * NotCapable), the server is probed (`opencode/remote_probe.ts`: reachable,
 * the password accepted, OpenCode's health and `/path` answers), and only
 * then is the row created (with the password, which no answer shows) and
 * supervision started: events relayed, health checked, reconnected when it
 * comes back. Flock never starts, stops or kills the server.
 *
 * @module
 */
import type { InstanceJson } from "../contract/instances.ts";
import { checkRemotePassword, parseRemoteUrl } from "../fleet/remote_url.ts";
import { BadRequestError, ConflictError } from "../http/errors.ts";
import { type Schema, validate } from "../http/json_body.ts";
import {
  netEntryOf,
  probeRemote,
  RemoteServerError,
} from "../opencode/remote_probe.ts";
import { type ApiContext, newInstanceId } from "./api_context.ts";

/** The body of `POST /api/instances` for a remote server. */
export const ATTACH_REMOTE_BODY = {
  url: { type: "string", minLength: 1, maxLength: 2048 },
  password: { type: "string", optional: true, maxLength: 1024 },
  name: { type: "string", optional: true, minLength: 1, maxLength: 200 },
} as const satisfies Schema;

/** Whether Flock may connect to `host:port` (Deno's net permission). */
export function mayConnect(netEntry: string): boolean {
  return Deno.permissions.querySync({ name: "net", host: netEntry }).state ===
    "granted";
}

/** Attaches a remote server; see the module documentation. */
export async function attachRemote(
  ctx: ApiContext,
  raw: unknown,
  publish: (instance: InstanceJson) => void,
): Promise<Response> {
  const body = validate(raw, ATTACH_REMOTE_BODY);
  const name = body.name?.trim();
  if (body.name !== undefined && !name) {
    throw new BadRequestError(
      'Cannot use field "name": it is blank',
      "invalid_field",
    );
  }
  const address = parseRemoteUrl(body.url);
  const password = body.password ?? "";
  checkRemotePassword(password);
  const attached = ctx.instances.findByRemoteOrigin(address.origin);
  if (attached) {
    throw new ConflictError(
      `Cannot attach ${address.origin} as instance ${attached.id} is attached to it already`,
      "instance_exists",
    );
  }
  const netEntry = netEntryOf(address.origin);
  if (!mayConnect(netEntry)) {
    throw new RemoteServerError(
      "not_permitted",
      address.origin,
      `Cannot attach ${address.origin} as Flock has no network permission for ${netEntry}: restart Flock with --remote-host ${netEntry} (deno task start grants it; afterwards Flock grants the hosts of its recorded remote instances by itself at every start)`,
    );
  }
  const endpoint = { ...address, password };
  const facts = await probeRemote(endpoint);
  // No await between this check and the insert: two attaches cannot race.
  const again = ctx.instances.findByRemoteOrigin(address.origin);
  if (again) {
    throw new ConflictError(
      `Cannot attach ${address.origin} as instance ${again.id} is attached to it already`,
      "instance_exists",
    );
  }
  const instance = ctx.instances.createRemote({
    id: newInstanceId(),
    name: name ??
      `${lastSegment(facts.directory)} @ ${new URL(address.origin).host}`,
    working_directory: facts.directory,
    origin: address.origin,
    username: address.username,
    password,
  });
  publish(instance);
  ctx.supervisor.start(instance.id);
  return Response.json(instance, {
    status: 201,
    headers: { location: `/api/instances/${instance.id}` },
  });
}

function lastSegment(path: string): string {
  return path.replace(/[\\/]+$/, "").split(/[\\/]/).pop() || path;
}
