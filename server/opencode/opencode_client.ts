/**
 * A typed REST client for one `opencode serve` child. Every call carries
 * HTTP Basic auth (`opencode:<password>`) and a time limit, and can be
 * cancelled with an `AbortSignal`.
 *
 * Shapes are OpenCode's own (`server/contract/opencode.ts`, from the SDK
 * pinned to the binary's version). Answers whose fields Flock reads
 * (sessions, statuses, pending requests) are checked on arrival; a
 * malformed one is an {@linkcode OpenCodeUnavailableError}. The catalog
 * answers (agents, providers, commands) are read into Flock's shapes by
 * `catalog.ts`. The HTTP machinery is `opencode_transport.ts`.
 *
 * @module
 */
import type {
  AgentJson,
  CommandJson,
  ModelsJson,
} from "../contract/catalog.ts";
import type {
  OpenCodeMessageWithParts,
  OpenCodePermission,
  OpenCodePermissionRule,
  OpenCodeQuestion,
  OpenCodeSession,
  OpenCodeSessionStatus,
  OpenCodeTodo,
} from "../contract/opencode.ts";
import {
  isOpenCodePermissionList,
  isOpenCodeQuestionList,
  isOpenCodeSession,
  isOpenCodeSessionList,
  isOpenCodeStatusMap,
  isRecord,
} from "../contract/opencode_guards.ts";
import type { PermissionReply } from "../contract/permissions.ts";
import { agentsOf, commandsOf, modelsOf } from "./catalog.ts";
import { OpenCodeUnavailableError } from "./opencode_errors.ts";
import type { CallOptions } from "./opencode_transport.ts";
import { OpenCodeSessionCalls } from "./opencode_session_calls.ts";

export type {
  CallOptions,
  OpenCodeClientOptions,
} from "./opencode_transport.ts";

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

function isTodoList(value: unknown): value is OpenCodeTodo[] {
  return Array.isArray(value) &&
    value.every((t) =>
      isRecord(t) && typeof t.content === "string" &&
      typeof t.status === "string"
    );
}

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
  /** A variant of the model (e.g. `high`). */
  variant?: string;
  /** Extra system text for this prompt (a workflow agent's files). */
  system?: string;
}

/** The body of `POST /session/{id}/command`. */
export interface CommandInput {
  command: string;
  arguments: string;
  agent?: string;
  /** `"provider/model"`. */
  model?: string;
  variant?: string;
}

/** The body of `POST /session`. */
export interface CreateSessionInput {
  title?: string;
  parentID?: string;
  agent?: string;
  /** Rules that override the instance's permissions for this session. */
  permission?: OpenCodePermissionRule[];
}

/** A REST client for one OpenCode child. */
export class OpenCodeClient extends OpenCodeSessionCalls {
  /** `GET /global/health`. */
  health(options?: CallOptions): Promise<OpenCodeHealth> {
    return this.json("GET", "/global/health", options);
  }

  /** `GET /config/providers`; also warms up the instance (about 2 s the first time). */
  providers(options?: CallOptions): Promise<OpenCodeProviders> {
    return this.json("GET", "/config/providers", options);
  }

  /** `GET /config/providers`, read as providers with their models and variants. */
  async models(options?: CallOptions): Promise<ModelsJson> {
    return modelsOf(await this.json("GET", "/config/providers", options));
  }

  /** `GET /agent`: every agent, hidden ones included. */
  async agents(options?: CallOptions): Promise<AgentJson[]> {
    return agentsOf(await this.json("GET", "/agent", options));
  }

  /** `GET /command`: the `/` commands (skills included). */
  async commands(options?: CallOptions): Promise<CommandJson[]> {
    return commandsOf(await this.json("GET", "/command", options));
  }

  /** `GET /find/file`: project files (and directories) matching `query`. */
  findFiles(
    query: string,
    limit: number,
    options?: CallOptions,
  ): Promise<string[]> {
    const params = new URLSearchParams({
      query,
      limit: String(limit),
      dirs: "true",
    });
    return this.checked(
      "GET",
      `/find/file?${params}`,
      isStringList,
      "a list of paths",
      options,
    );
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
    return this.checked(
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
    return this.checked("POST", "/session", isOpenCodeSession, "a session", {
      ...options,
      body: input,
    });
  }

  /** `GET /session/{id}`; an unknown id gives an {@linkcode OpenCodeHttpError} 404. */
  getSession(id: string, options?: CallOptions): Promise<OpenCodeSession> {
    return this.checked(
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
    return this.checked(
      "PATCH",
      `/session/${encodeURIComponent(id)}`,
      isOpenCodeSession,
      "a session",
      { ...options, body: patch },
    );
  }

  /** `DELETE /session/{id}`. */
  deleteSession(id: string, options?: CallOptions): Promise<boolean> {
    return this.json("DELETE", `/session/${encodeURIComponent(id)}`, options);
  }

  /** `GET /session/status`: busy and retrying sessions (idle ones are absent). */
  sessionStatus(
    options?: CallOptions,
  ): Promise<Record<string, OpenCodeSessionStatus>> {
    return this.checked(
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
    return this.json(
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
    if (input.variant !== undefined) body.variant = input.variant;
    if (input.system !== undefined) body.system = input.system;
    await this.request(
      "POST",
      `/session/${encodeURIComponent(id)}/prompt_async`,
      { ...options, body },
    );
  }

  /** `POST /session/{id}/abort`. */
  abort(id: string, options?: CallOptions): Promise<boolean> {
    return this.json(
      "POST",
      `/session/${encodeURIComponent(id)}/abort`,
      options,
    );
  }

  /**
   * `POST /session/{id}/command`: runs a `/` command. OpenCode answers only
   * when the whole reply is done, so the call carries its own (long) time
   * limit; follow the progress on the event stream.
   */
  async sendCommand(
    id: string,
    input: CommandInput,
    options?: CallOptions,
  ): Promise<void> {
    await this.request(
      "POST",
      `/session/${encodeURIComponent(id)}/command`,
      { ...options, body: input },
    );
  }

  /** `GET /session/{id}/todo`: the session's todo list. */
  todos(id: string, options?: CallOptions): Promise<OpenCodeTodo[]> {
    return this.checked(
      "GET",
      `/session/${encodeURIComponent(id)}/todo`,
      isTodoList,
      "a todo list",
      options,
    );
  }

  /** `GET /permission`: pending permission requests. */
  listPermissions(options?: CallOptions): Promise<OpenCodePermission[]> {
    return this.checked(
      "GET",
      "/permission",
      isOpenCodePermissionList,
      "a list of permission requests",
      options,
    );
  }

  /** `GET /question`: pending questions of the question tool. */
  listQuestions(options?: CallOptions): Promise<OpenCodeQuestion[]> {
    return this.checked(
      "GET",
      "/question",
      isOpenCodeQuestionList,
      "a list of questions",
      options,
    );
  }

  /** `POST /question/{id}/reply`: one list of labels per question. */
  replyQuestion(
    id: string,
    answers: string[][],
    options?: CallOptions,
  ): Promise<boolean> {
    return this.json("POST", `/question/${encodeURIComponent(id)}/reply`, {
      ...options,
      body: { answers },
    });
  }

  /** `POST /question/{id}/reject`: the agent gets a refusal instead of answers. */
  rejectQuestion(id: string, options?: CallOptions): Promise<boolean> {
    return this.json(
      "POST",
      `/question/${encodeURIComponent(id)}/reject`,
      options,
    );
  }

  /** `POST /permission/{id}/reply`. */
  replyPermission(
    id: string,
    reply: PermissionReply,
    message?: string,
    options?: CallOptions,
  ): Promise<boolean> {
    return this.json("POST", `/permission/${encodeURIComponent(id)}/reply`, {
      ...options,
      body: message === undefined ? { reply } : { reply, message },
    });
  }

  /**
   * Opens `GET /global/event` (every directory the child serves, each event
   * wrapped with its directory). The time limit covers only the response
   * headers; the stream stays open until `signal` aborts or the server ends
   * it. The caller must consume or cancel the returned body.
   */
  async openEventStream(
    options: CallOptions = {},
  ): Promise<ReadableStream<Uint8Array>> {
    const { response } = await this.request("GET", "/global/event", {
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
