/**
 * What the page says when attaching a remote OpenCode server fails: a
 * headline per reason the server gives (its error code), over the server's
 * own message (which names the URL, the status, or the `--remote-host`
 * flag to add). Pure.
 *
 * @module
 */

/** A headline and the detail under it. */
export interface AttachProblem {
  title: string;
  detail: string;
}

const TITLES: Record<string, string> = {
  remote_unreachable: "Cannot reach the server",
  remote_unauthorized: "Wrong password",
  remote_not_opencode: "Not an OpenCode server",
  remote_not_permitted:
    "Host not allowed: restart Flock with --remote-host for it",
  instance_exists: "Already attached",
  network_error: "Cannot reach the Flock server",
};

/**
 * The problem to show for a failed attach.
 *
 * @param code The API error's code (`remote_unreachable`…); anything else
 * gets a generic headline.
 * @param message The server's message.
 */
export function remoteAttachProblem(
  code: string,
  message: string,
): AttachProblem {
  return { title: TITLES[code] ?? "Cannot attach the server", detail: message };
}

/**
 * The URL field checked before sending: an `http(s)://host[:port]` with
 * nothing after it (the server judges the rest), or an error naming it.
 */
export function checkRemoteUrl(text: string): { url: string } | {
  error: string;
} {
  const url = text.trim().replace(/\/+$/, "");
  if (url === "") {
    return { error: "Enter the server's URL (http://host:port)." };
  }
  if (!/^https?:\/\/[^/\s]+$/i.test(url)) {
    return {
      error:
        "The URL must be http(s)://host:port, with no path (e.g. http://10.0.0.5:4096).",
    };
  }
  return { url };
}
