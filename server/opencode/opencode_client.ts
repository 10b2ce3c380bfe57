/**
 * A typed REST client for one `opencode serve` child. Every call carries
 * HTTP Basic auth (`opencode:<password>`) and a time limit, and can be
 * cancelled with an `AbortSignal`.
 *
 * Shapes are OpenCode's own (`server/contract/opencode.ts`, from the SDK
 * pinned to the binary's version). Answers whose fields Flock reads
 * (sessions, statuses) are checked on arrival; a malformed one is an
 * {@linkcode OpenCodeUnavailableError}.
 *
 * @module
 */
import type {
  OpenCodeMessageWithParts,
  OpenCodePermission,
  OpenCodePermissionRule,
  OpenCodeQuestion,
  OpenCodeSession,
  OpenCodeSessionStatus,
} from "../contract/opencode.ts";
import {
  isOpenCodeSession,
  isOpenCodeSessionList,
  isOpenCodeStatusMap,
} from "../contract/opencode_guards.ts";
import type { PermissionReply } from "../contract/permissions.ts";
import {
  OpenCodeHttpError,
  OpenCodeUnavailableError,
  upstreamErrorMessage,
} from "./opencode_errors.ts";

/** `GET /config/providers`. */
export interface OpenCodeProviders {
  providers: unknown[];
  default: Record<string, string>;
}

/** `GET /global/health`. */
export interface OpenCodeHealth {
  healthy: boolean;
  version?: string;
}

/** The body of `POST /session/{id}/prompt_async`. */
export interface PromptInput {
  /** The user's text (sent as one text part). */
  text: string;
  agent?: string;
  model?: { providerID: string; modelID: string };
  /** Extra system text for this prompt (a workflow agent's files). */
  system?: string;
}

/** The body of `POST /session`. */
export interface CreateSessionInput {
  title?: string;
  parentID?: string;
  agent?: string;
  /** Rules that override the instance's permissions for this session. */
  permission?: OpenCodePermissionRule[];
}

/** Per-call options. */
export interface CallOptions {
  /** Cancels the call. */
  signal?: AbortSignal | undefined;
  /** Overrides the client's time limit for this call, in ms. */
  timeoutMs?: number | undefined;
}

/** Options for {@linkcode OpenCodeClient}. */
export interface OpenCodeClientOptions {
  /** The child's origin, e.g. `http://127.0.0.1:4096`. */
  baseUrl: string;
  password: string;
  /** Default `opencode`. */
  username?: string;
  /** The default time limit per call, in ms. Default 10 000. */
  timeoutMs?: number;
  /** Injected for tests. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/**
 * Settles like `promise`, or rejects with the signal's reason once it
 * aborts (an aborted fetch does not always end a pending body read).
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() =>
      signal.removeEventListener("abort", onAbort)
    );
  });
}

/** A REST client for one OpenCode child. */
export class OpenCodeClient {
  /** The child's origin. */
  readonly baseUrl: string;
  #auth: string;
  #timeoutMs: number;
  #fetch: typeof fetch;

  constructor(options: OpenCodeClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#auth = "Basic " +
      btoa(`${options.username ?? "opencode"}:${options.password}`);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#fetch = options.fetch ?? fetch;
  }

  /**
   * Sends one request. With `stream`, only the headers are under the time
   * limit and the caller gets the open body; otherwise the whole body is read
   * (and parsed as JSON when there is one).
   */
  async #request(
    method: string,
    path: string,
    options: CallOptions & { body?: unknown; stream?: boolean },
  ): Promise<{ json: unknown; response: Response }> {
    const controller = new AbortController();
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException("Timed out", "TimeoutError"));
    }, timeoutMs);
    const outer = options.signal;
    const onAbort = () => controller.abort(outer?.reason);
    if (outer?.aborted) controller.abort(outer.reason);
    outer?.addEventListener("abort", onAbort, { once: true });
    const what = `${method} ${path.split("?")[0]}`;
    // An open stream stays tied to the caller's signal after this returns.
    let keepListener = false;
    try {
      const headers: Record<string, string> = {
        authorization: this.#auth,
        accept: options.stream ? "text/event-stream" : "application/json",
      };
      if (options.body !== undefined) {
        headers["content-type"] = "application/json";
      }
      const response = await this.#fetch(this.baseUrl + path, {
        method,
        headers,
        signal: controller.signal,
        ...(options.body === undefined
          ? {}
          : { body: JSON.stringify(options.body) }),
      });
      if (!response.ok) {
        const text = await untilAborted(response.text(), controller.signal);
        throw new OpenCodeHttpError(
          response.status,
          upstreamErrorMessage(text),
          what,
        );
      }
      if (options.stream) {
        keepListener = true;
        return { json: undefined, response };
      }
      const text = await untilAborted(response.text(), controller.signal);
      return { json: text === "" ? undefined : JSON.parse(text), response };
    } catch (error) {
      if (error instanceof OpenCodeHttpError) throw error;
      if (error instanceof SyntaxError) {
        throw new OpenCodeUnavailableError(
          `Cannot read the answer to ${what} as it is not JSON`,
          false,
          { cause: error },
        );
      }
      if (outer?.aborted) throw outer.reason ?? error;
      throw new OpenCodeUnavailableError(
        timedOut
          ? `Cannot complete ${what} as OpenCode did not answer within ${timeoutMs} ms`
          : `Cannot reach OpenCode for ${what}: ${
            error instanceof Error ? error.message : String(error)
          }`,
        timedOut,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
      if (!keepListener) outer?.removeEventListener("abort", onAbort);
    }
  }

  async #json<T>(
    method: string,
    path: string,
    options: CallOptions & { body?: unknown } = {},
  ): Promise<T> {
    return (await this.#request(method, path, options)).json as T;
  }

  /** Like `#json`, but checks the answer's shape. */
  async #checked<T>(
    method: string,
    path: string,
    check: (value: unknown) => value is T,
    what: string,
    options: CallOptions & { body?: unknown } = {},
  ): Promise<T> {
    const json = (await this.#request(method, path, options)).json;
    if (!check(json)) {
      throw new OpenCodeUnavailableError(
        `Cannot read the answer to ${method} ${
          path.split("?")[0]
        } as it is not ${what}`,
        false,
      );
    }
    return json;
  }

  /** `GET /global/health`. */
  health(options?: CallOptions): Promise<OpenCodeHealth> {
    return this.#json("GET", "/global/health", options);
  }

  /** `GET /config/providers`; also warms up the instance (about 2 s the first time). */
  providers(options?: CallOptions): Promise<OpenCodeProviders> {
    return this.#json("GET", "/config/providers", options);
  }

  /**
   * `GET /session?roots=true`: the top-level sessions, newest first.
   *
   * @param query `roots` defaults to true (child sessions of tasks are left out).
   */
  listSessions(
    query: {
      roots?: boolean;
      directory?: string;
      limit?: number;
      search?: string;
    } = {},
    options?: CallOptions,
  ): Promise<OpenCodeSession[]> {
    const params = new URLSearchParams();
    if (query.roots ?? true) params.set("roots", "true");
    if (query.directory !== undefined) params.set("directory", query.directory);
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    if (query.search !== undefined) params.set("search", query.search);
    const qs = params.toString();
    return this.#checked(
      "GET",
      `/session${qs ? `?${qs}` : ""}`,
      isOpenCodeSessionList,
      "a list of sessions",
      options,
    );
  }

  /** `POST /session`. */
  createSession(
    input: CreateSessionInput = {},
    options?: CallOptions,
  ): Promise<OpenCodeSession> {
    return this.#checked("POST", "/session", isOpenCodeSession, "a session", {
      ...options,
      body: input,
    });
  }

  /** `GET /session/{id}`; an unknown id gives an {@linkcode OpenCodeHttpError} 404. */
  getSession(id: string, options?: CallOptions): Promise<OpenCodeSession> {
    return this.#checked(
      "GET",
      `/session/${encodeURIComponent(id)}`,
      isOpenCodeSession,
      "a session",
      options,
    );
  }

  /** `PATCH /session/{id}` with a new title. */
  updateSession(
    id: string,
    patch: { title: string },
    options?: CallOptions,
  ): Promise<OpenCodeSession> {
    return this.#checked(
      "PATCH",
      `/session/${encodeURIComponent(id)}`,
      isOpenCodeSession,
      "a session",
      { ...options, body: patch },
    );
  }

  /** `DELETE /session/{id}`. */
  deleteSession(id: string, options?: CallOptions): Promise<boolean> {
    return this.#json("DELETE", `/session/${encodeURIComponent(id)}`, options);
  }

  /** `GET /session/status`: busy and retrying sessions (idle ones are absent). */
  sessionStatus(
    options?: CallOptions,
  ): Promise<Record<string, OpenCodeSessionStatus>> {
    return this.#checked(
      "GET",
      "/session/status",
      isOpenCodeStatusMap,
      "a map of session statuses",
      options,
    );
  }

  /** `GET /session/{id}/message`, oldest first; `limit` returns the last N. */
  messages(
    id: string,
    query: { limit?: number; before?: string } = {},
    options?: CallOptions,
  ): Promise<OpenCodeMessageWithParts[]> {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    if (query.before !== undefined) params.set("before", query.before);
    const qs = params.toString();
    return this.#json(
      "GET",
      `/session/${encodeURIComponent(id)}/message${qs ? `?${qs}` : ""}`,
      options,
    );
  }

  /** `POST /session/{id}/prompt_async` (204): follow the progress on the event stream. */
  async promptAsync(
    id: string,
    input: PromptInput,
    options?: CallOptions,
  ): Promise<void> {
    const body: Record<string, unknown> = {
      parts: [{ type: "text", text: input.text }],
    };
    if (input.agent !== undefined) body.agent = input.agent;
    if (input.model !== undefined) body.model = input.model;
    if (input.system !== undefined) body.system = input.system;
    await this.#request(
      "POST",
      `/session/${encodeURIComponent(id)}/prompt_async`,
      { ...options, body },
    );
  }

  /** `POST /session/{id}/abort`. */
  abort(id: string, options?: CallOptions): Promise<boolean> {
    return this.#json(
      "POST",
      `/session/${encodeURIComponent(id)}/abort`,
      options,
    );
  }

  /** `GET /permission`: pending permission requests. */
  listPermissions(options?: CallOptions): Promise<OpenCodePermission[]> {
    return this.#json("GET", "/permission", options);
  }

  /** `GET /question`: pending questions of the question tool. */
  listQuestions(options?: CallOptions): Promise<OpenCodeQuestion[]> {
    return this.#json("GET", "/question", options);
  }

  /** `POST /permission/{id}/reply`. */
  replyPermission(
    id: string,
    reply: PermissionReply,
    message?: string,
    options?: CallOptions,
  ): Promise<boolean> {
    return this.#json("POST", `/permission/${encodeURIComponent(id)}/reply`, {
      ...options,
      body: message === undefined ? { reply } : { reply, message },
    });
  }

  /**
   * Opens `GET /event`. The time limit covers only the response headers; the
   * stream stays open until `signal` aborts or the server ends it. The caller
   * must consume or cancel the returned body.
   */
  async openEventStream(
    options: CallOptions = {},
  ): Promise<ReadableStream<Uint8Array>> {
    const { response } = await this.#request("GET", "/event", {
      ...options,
      stream: true,
    });
    if (!response.body) {
      throw new OpenCodeUnavailableError(
        "Cannot read the event stream as it has no body",
        false,
      );
    }
    return response.body;
  }
}
