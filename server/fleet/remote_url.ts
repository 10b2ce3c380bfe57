/**
 * Reading the `url` (and `password`) of a remote instance to attach: an
 * `http(s)://[user@]host[:port]` origin with nothing after it. Pure.
 *
 * @module
 */

/** A remote server's address as Flock records it. */
export interface RemoteAddress {
  /** `http[s]://host:port` (default ports omitted, as `URL.origin` does). */
  origin: string;
  /** The Basic-auth user: the URL's, or `opencode`. */
  username: string;
}

/** A `url` or `password` Flock cannot use; `field` names which. */
export class RemoteAddressError extends Error {
  readonly field: "url" | "password";
  constructor(field: "url" | "password", message: string) {
    super(message);
    this.name = "RemoteAddressError";
    this.field = field;
  }
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Parses a remote server's URL.
 *
 * @throws {RemoteAddressError} naming what is wrong.
 * @example
 * ```ts
 * parseRemoteUrl("http://box.lan:4096"); // { origin: "http://box.lan:4096", username: "opencode" }
 * parseRemoteUrl("http://alice@box.lan:4096/"); // { origin: "http://box.lan:4096", username: "alice" }
 * ```
 */
export function parseRemoteUrl(raw: string): RemoteAddress {
  const bad = (why: string) =>
    new RemoteAddressError(
      "url",
      `Cannot use field "url": ${why}; expected http://host:port (or https://, optionally with a user: http://user@host:port)`,
    );
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw bad("it is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw bad(`the scheme ${url.protocol.slice(0, 20)} is not http or https`);
  }
  if (url.password !== "") {
    throw new RemoteAddressError(
      "url",
      'Cannot use field "url": it carries a password; send it as "password" instead, so that it is never shown with the URL',
    );
  }
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "") {
    throw bad("it has a path, query or fragment (OpenCode serves at /)");
  }
  if (url.hostname === "") throw bad("it has no host");
  let username = "opencode";
  if (url.username !== "") {
    try {
      username = decodeURIComponent(url.username);
    } catch {
      throw bad("its user is not valid percent-encoding");
    }
    if (!PRINTABLE_ASCII.test(username) || username.includes(":")) {
      throw bad("its user must be printable ASCII without a colon");
    }
  }
  return { origin: url.origin, username };
}

/**
 * Checks a remote server's password (Basic auth carries printable ASCII).
 *
 * @throws {RemoteAddressError}
 */
export function checkRemotePassword(password: string): void {
  if (!PRINTABLE_ASCII.test(password)) {
    throw new RemoteAddressError(
      "password",
      'Cannot use field "password": it must be printable ASCII (HTTP Basic auth)',
    );
  }
}
