/**
 * The session-history calls of the OpenCode client (revert, unrevert,
 * fork), a layer between the transport and `OpenCodeClient`, which extends
 * it.
 *
 * @module
 */
import type { OpenCodeSession } from "../contract/opencode.ts";
import { isOpenCodeSession } from "../contract/opencode_guards.ts";
import { type CallOptions, OpenCodeTransport } from "./opencode_transport.ts";

/** OpenCode's revert, unrevert and fork of a session. */
export class OpenCodeSessionCalls extends OpenCodeTransport {
  /**
   * `POST /session/{id}/revert`: undoes the session from `messageID` on
   * (its file changes too); the messages stay until the next prompt.
   */
  revert(
    id: string,
    target: { messageID: string; partID?: string },
    options?: CallOptions,
  ): Promise<OpenCodeSession> {
    return this.checked(
      "POST",
      `/session/${encodeURIComponent(id)}/revert`,
      isOpenCodeSession,
      "a session",
      { ...options, body: target },
    );
  }

  /** `POST /session/{id}/unrevert`: takes the last revert back. */
  unrevert(id: string, options?: CallOptions): Promise<OpenCodeSession> {
    return this.checked(
      "POST",
      `/session/${encodeURIComponent(id)}/unrevert`,
      isOpenCodeSession,
      "a session",
      options,
    );
  }

  /**
   * `POST /session/{id}/fork`: a new session with the messages before
   * `messageID` (all of them without it), in the same directory.
   */
  fork(
    id: string,
    messageID: string | undefined,
    options?: CallOptions,
  ): Promise<OpenCodeSession> {
    return this.checked(
      "POST",
      `/session/${encodeURIComponent(id)}/fork`,
      isOpenCodeSession,
      "a session",
      { ...options, body: messageID === undefined ? {} : { messageID } },
    );
  }
}
