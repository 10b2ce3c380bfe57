/**
 * The HTTP side of talking to one `opencode serve` child: Basic auth
 * (`opencode:<password>`), a time limit per call, cancellation with an
 * `AbortSignal`, OpenCode's error bodies turned into typed errors
 * (`opencode_errors.ts`), and answers checked on arrival. `OpenCodeClient` (the typed REST calls)
 * extends it.
 *
 * @module
 */
import {
  OpenCodeHttpError,
  OpenCodeUnavailableError,
  upstreamErrorMessage,
} from "./opencode_errors.ts";

/** Per-call options. */
export interface CallOptions {
  /** Cancels the call. */
  signal?: AbortSignal | undefined;
  /** Overrides the client's time limit for this call, in ms. */
  timeoutMs?: number | undefined;
  /**
   * The directory the call is about, for routes OpenCode answers per
   * directory (creating a session, `/session/status`, `/permission`): sent
   * as `x-opencode-directory` (URI-encoded). Default: the child's own.
   */
  directory?: string | undefined;
}

/** Options for {@linkcode OpenCodeTransport} (and `OpenCodeClient`). */
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

/** The transport under `OpenCodeClient`: requests, limits, errors. */
export class OpenCodeTransport {
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
  protected async request(
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
      if (options.directory !== undefined) {
        headers["x-opencode-directory"] = encodeURIComponent(options.directory);
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

  protected async json<T>(
    method: string,
    path: string,
    options: CallOptions & { body?: unknown } = {},
  ): Promise<T> {
    return (await this.request(method, path, options)).json as T;
  }

  /** Like `#json`, but checks the answer's shape. */
  protected async checked<T>(
    method: string,
    path: string,
    check: (value: unknown) => value is T,
    what: string,
    options: CallOptions & { body?: unknown } = {},
  ): Promise<T> {
    const json = (await this.request(method, path, options)).json;
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
}
