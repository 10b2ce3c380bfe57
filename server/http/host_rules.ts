/**
 * Which names reach Flock: the `Host` header rule (against DNS rebinding)
 * and the bind rule (no listening beyond loopback without a token).
 *
 * A request's `Host` must be one of Flock's own names (`127.0.0.1`,
 * `localhost`, `[::1]`, or the `--host` address), on Flock's port once it is
 * known, or an `--allowed-host` (`name` accepts any port, `name:port` only
 * that one); anything else is a 421.
 *
 * @module
 */
import { clip, MisdirectedRequestError } from "./errors.ts";

/** Options for {@linkcode createHostCheck}. */
export interface HostRuleOptions {
  /** The `--host` Flock binds (default 127.0.0.1). */
  host?: string;
  /**
   * The port Flock listens on, once known. While it returns undefined (an
   * app called in-process, without a server) any port is accepted for
   * Flock's own names.
   */
  listenPort?: () => number | undefined;
  /** `--allowed-host` names (`name` accepts any port, `name:port` only that one). */
  allowedHosts?: readonly string[];
}

/** A host name and optional port, as parsed from a `Host` header. */
export interface HostParts {
  /** Lowercase host name; IPv6 literals keep their brackets. */
  name: string;
  port: number | undefined;
}

/**
 * Builds the Host check: it returns the request's (lowercased) Host header
 * when it names Flock.
 *
 * @throws {MisdirectedRequestError} (421) when it does not.
 */
export function createHostCheck(
  options: HostRuleOptions = {},
): (req: Request, url: URL) => string {
  const host = normalizeHostName(options.host ?? "127.0.0.1");
  const ownNames = new Set(["127.0.0.1", "localhost", "[::1]", host]);
  const allowed = (options.allowedHosts ?? []).map(parseAllowedHost);
  return (req, url) => {
    const raw = (req.headers.get("host") ?? url.host).trim().toLowerCase();
    const parsed = parseHostHeader(raw);
    const refuse = () =>
      new MisdirectedRequestError(
        `Cannot serve this request as its Host header is not one of Flock's names: got "${
          clip(raw)
        }"; if this name is yours, start Flock with --allowed-host ${
          clip(parsed?.name ?? "<name>")
        }`,
      );
    if (!parsed) throw refuse();
    if (ownNames.has(parsed.name)) {
      const port = options.listenPort?.();
      if (port === undefined || (parsed.port ?? 80) === port) return raw;
      throw refuse();
    }
    for (const a of allowed) {
      if (
        a.name === parsed.name &&
        (a.port === undefined || a.port === (parsed.port ?? 80))
      ) return raw;
    }
    throw refuse();
  };
}

/**
 * Parses a Host header (`name`, `name:port`, `[v6]`, `[v6]:port`). Returns
 * undefined for anything else (bare IPv6, junk, a bad port, a trailing dot).
 */
export function parseHostHeader(raw: string): HostParts | undefined {
  const value = raw.trim().toLowerCase();
  let name: string;
  let portText: string | undefined;
  if (value.startsWith("[")) {
    const end = value.indexOf("]");
    if (end < 0) return undefined;
    name = value.slice(0, end + 1);
    const rest = value.slice(end + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) return undefined;
      portText = rest.slice(1);
    }
    if (!/^\[[0-9a-f:.]+\]$/.test(name)) return undefined;
  } else {
    const parts = value.split(":");
    if (parts.length > 2) return undefined;
    name = parts[0] ?? "";
    portText = parts[1];
    if (
      !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(
        name,
      )
    ) {
      return undefined;
    }
  }
  if (portText === undefined) return { name, port: undefined };
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  return { name, port };
}

function parseAllowedHost(entry: string): HostParts {
  const parsed = parseHostHeader(entry) ??
    parseHostHeader(normalizeHostName(entry));
  return parsed ?? { name: entry.trim().toLowerCase(), port: undefined };
}

/** A bind address as a Host-header name: IPv6 literals get brackets. */
function normalizeHostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.includes(":") && !h.startsWith("[")) return `[${h}]`;
  return h;
}

/**
 * Whether an address only reaches this machine: `localhost`, `127.0.0.0/8`
 * or `::1`.
 */
export function isLoopbackAddress(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return v4 !== null && v4.slice(1).every((o) => Number(o) <= 255);
}

/** Flock was asked to listen beyond loopback without a token. */
export class InsecureBindError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InsecureBindError";
  }
}

/**
 * Refuses a non-loopback bind address unless a token protects the API.
 *
 * @throws {InsecureBindError} with a message that says what to do.
 */
export function assertSafeBind(host: string, hasToken: boolean): void {
  if (hasToken || isLoopbackAddress(host)) return;
  throw new InsecureBindError(
    `Cannot listen on ${host} without a token: any machine that can reach it could drive your agents, which run shell commands as you. Pass --token <secret> (at least 16 characters), set FLOCK_TOKEN, or use --token generate (Flock prints the token); or listen on 127.0.0.1`,
  );
}
