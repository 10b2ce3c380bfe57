/**
 * The typed REST client for Flock's `/api`. Every method resolves with the
 * parsed JSON body, or rejects with an {@linkcode ApiError}.
 *
 * @module
 */
import type { HealthJson } from "../../server/contract/api.ts";
import { type ApiClientOptions, ApiError, requestJson } from "./api_request.ts";
import type {
  InstanceJson,
  LogLineJson,
} from "../../server/contract/instances.ts";
import type { PermissionJson } from "../../server/contract/permissions.ts";
import type { SessionJson } from "../../server/contract/sessions.ts";
import type {
  DirectoriesJson,
  DirectoryEntryJson,
} from "../../server/contract/directories.ts";
import type { OpenCodeMessageWithParts } from "../../server/contract/opencode.ts";
import type { PermissionReply } from "../../server/contract/permissions.ts";
import type {
  RunJson,
  RunStatusJson,
  RunSummaryJson,
  WorkflowJson,
} from "../../server/contract/workflows.ts";
import type {
  AgentJson,
  CommandJson,
  ModelsJson,
  UsageJson,
} from "../../server/contract/catalog.ts";
import type { MarkJson } from "../../server/contract/marks.ts";
import type { OpenCodeTodo } from "../../server/contract/opencode.ts";
import type { QuestionJson } from "../../server/contract/questions.ts";
import type { QueuedMessageJson } from "../../server/contract/queue.ts";
import type { SearchJson } from "../../server/contract/search.ts";

export type { DirectoriesJson, DirectoryEntryJson };
export { type ApiClientOptions, ApiError };

/**
 * The body of `POST /api/instances`: a local instance on a directory, or a
 * remote OpenCode server attached by URL.
 */
export type CreateInstanceBody =
  | { working_directory: string; name?: string }
  | { url: string; password?: string; name?: string };

/** The body of `PATCH /api/instances/{id}` (`idle_timeout_s: null`: the default). */
export interface PatchInstanceBody {
  name?: string;
  idle_timeout_s?: number | null;
}

/** The body of `POST /api/sessions/{id}/messages`. */
export interface SendMessageBody {
  text: string;
  agent?: string;
  model?: string;
  variant?: string;
}

/** The body of `POST /api/sessions/{id}/command`. */
export interface SendCommandBody {
  command: string;
  arguments?: string;
  agent?: string;
  model?: string;
  variant?: string;
}

/** The body of `POST /api/workflows`: a directory, or the spec's text. */
export type InstallWorkflowBody = { path: string } | { yaml: string };

/** The body of `POST /api/runs`. */
export interface StartRunBody {
  workflow: string;
  instance_id: string;
  task: string;
  /** Work in a git worktree of its own (a new branch from HEAD). */
  worktree?: boolean;
}

/** Filters of `GET /api/runs`. */
export interface RunFilters {
  workflow?: string;
  status?: RunStatusJson;
  instance_id?: string;
}

/** What a person can do to one step of a run. */
export type StepAction = "retry" | "skip" | "approve";

const enc = encodeURIComponent;

/** A typed client for Flock's REST API. */
export class ApiClient {
  readonly #baseUrl: string;
  readonly #fetch: typeof fetch;

  /** @param options Base URL and fetch implementation. */
  constructor(options: ApiClientOptions = {}) {
    this.#baseUrl = options.baseUrl ?? "";
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  #request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return requestJson<T>(this.#fetch, this.#baseUrl, method, path, body);
  }

  /**
   * Any route, for the clients of a feature built on this one (e.g.
   * `review_api.ts`): same errors as every method here.
   */
  call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.#request(method, path, body);
  }

  /** `GET /api/health`. */
  health(): Promise<HealthJson> {
    return this.#request("GET", "/api/health");
  }

  /** `GET /api/instances`. */
  listInstances(): Promise<InstanceJson[]> {
    return this.#request("GET", "/api/instances");
  }

  /** `POST /api/instances`: starts a new instance (201, status `starting`). */
  createInstance(body: CreateInstanceBody): Promise<InstanceJson> {
    return this.#request("POST", "/api/instances", body);
  }

  /** `GET /api/instances/{id}`. */
  getInstance(id: string): Promise<InstanceJson> {
    return this.#request("GET", `/api/instances/${enc(id)}`);
  }

  /**
   * `DELETE /api/instances/{id}[?force=true]`: stops and removes the
   * instance and its sessions' worktrees (409 `worktrees_have_work` when
   * one has work to lose, unless forced).
   */
  deleteInstance(id: string, force = false): Promise<void> {
    return this.#request(
      "DELETE",
      `/api/instances/${enc(id)}${force ? "?force=true" : ""}`,
    );
  }

  /** `POST /api/instances/{id}/stop`: stops the instance but keeps it. */
  stopInstance(id: string): Promise<InstanceJson> {
    return this.#request("POST", `/api/instances/${enc(id)}/stop`);
  }

  /** `POST /api/instances/{id}/restart`. */
  restartInstance(id: string): Promise<InstanceJson> {
    return this.#request("POST", `/api/instances/${enc(id)}/restart`);
  }

  /** `PATCH /api/instances/{id}`: renames it or sets its idle timeout. */
  patchInstance(id: string, body: PatchInstanceBody): Promise<InstanceJson> {
    return this.#request("PATCH", `/api/instances/${enc(id)}`, body);
  }

  /** `POST /api/instances/{id}/hibernate`: puts it to sleep now. */
  hibernateInstance(id: string): Promise<InstanceJson> {
    return this.#request("POST", `/api/instances/${enc(id)}/hibernate`);
  }

  /** `GET /api/instances/{id}/logs`. */
  instanceLogs(id: string): Promise<LogLineJson[]> {
    return this.#request("GET", `/api/instances/${enc(id)}/logs`);
  }

  /**
   * `GET /api/instances/{id}/sessions`: root sessions, plus the subagents'
   * child sessions (with `parent_id`) when `children` is set.
   */
  listSessions(
    instanceId: string,
    options: { children?: boolean } = {},
  ): Promise<SessionJson[]> {
    const query = options.children ? "?children=true" : "";
    return this.#request(
      "GET",
      `/api/instances/${enc(instanceId)}/sessions${query}`,
    );
  }

  /** `POST /api/instances/{id}/sessions` (409 when the instance is not running). */
  createSession(instanceId: string, title?: string): Promise<SessionJson> {
    return this.#request(
      "POST",
      `/api/instances/${enc(instanceId)}/sessions`,
      title === undefined ? {} : { title },
    );
  }

  /** `GET /api/sessions/{id}`. */
  getSession(id: string): Promise<SessionJson> {
    return this.#request("GET", `/api/sessions/${enc(id)}`);
  }

  /** `PATCH /api/sessions/{id}`. */
  renameSession(id: string, title: string): Promise<SessionJson> {
    return this.#request("PATCH", `/api/sessions/${enc(id)}`, { title });
  }

  /** `DELETE /api/sessions/{id}`. */
  deleteSession(id: string): Promise<void> {
    return this.#request("DELETE", `/api/sessions/${enc(id)}`);
  }

  /** `GET /api/sessions/{id}/messages`: OpenCode's `[{info, parts}]`. */
  listMessages(id: string): Promise<OpenCodeMessageWithParts[]> {
    return this.#request("GET", `/api/sessions/${enc(id)}/messages`);
  }

  /**
   * `POST /api/sessions/{id}/messages` (202; progress arrives as events):
   * `sent` at once when the session was idle, else `queued`.
   */
  sendMessage(id: string, body: SendMessageBody): Promise<QueuedMessageJson> {
    return this.#request("POST", `/api/sessions/${enc(id)}/messages`, body);
  }

  /** `POST /api/sessions/{id}/command`: a `/` command, sent or queued. */
  sendCommand(id: string, body: SendCommandBody): Promise<QueuedMessageJson> {
    return this.#request("POST", `/api/sessions/${enc(id)}/command`, body);
  }

  /** `GET /api/sessions/{id}/queue`: the follow-ups, in sending order. */
  listQueue(id: string): Promise<QueuedMessageJson[]> {
    return this.#request("GET", `/api/sessions/${enc(id)}/queue`);
  }

  /** `DELETE /api/sessions/{id}/queue/{qid}`: cancels a queued or failed follow-up. */
  cancelQueued(id: string, qid: string): Promise<QueuedMessageJson> {
    return this.#request(
      "DELETE",
      `/api/sessions/${enc(id)}/queue/${enc(qid)}`,
    );
  }

  /** `POST /api/sessions/{id}/queue/{qid}/retry`: queues a failed follow-up again. */
  retryQueued(id: string, qid: string): Promise<QueuedMessageJson> {
    return this.#request(
      "POST",
      `/api/sessions/${enc(id)}/queue/${enc(qid)}/retry`,
    );
  }

  /** `GET /api/sessions/{id}/marks`. */
  listMarks(id: string): Promise<MarkJson[]> {
    return this.#request("GET", `/api/sessions/${enc(id)}/marks`);
  }

  /** `GET /api/sessions/{id}/todos`. */
  listTodos(id: string): Promise<OpenCodeTodo[]> {
    return this.#request("GET", `/api/sessions/${enc(id)}/todos`);
  }

  /** `GET /api/sessions/{id}/children`: the subagents' sessions, oldest first. */
  listChildren(id: string): Promise<SessionJson[]> {
    return this.#request("GET", `/api/sessions/${enc(id)}/children`);
  }

  /** `GET /api/questions`: every pending question, on every instance. */
  listQuestions(): Promise<QuestionJson[]> {
    return this.#request("GET", "/api/questions");
  }

  /** `POST /api/questions/{id}` with one list of labels per question. */
  async answerQuestion(id: string, answers: string[][]): Promise<void> {
    await this.#request("POST", `/api/questions/${enc(id)}`, { answers });
  }

  /** `POST /api/questions/{id}` with `{ reject: true }`: dismisses it. */
  async rejectQuestion(id: string): Promise<void> {
    await this.#request("POST", `/api/questions/${enc(id)}`, { reject: true });
  }

  /** `GET /api/instances/{id}/agents`. */
  listAgents(instanceId: string): Promise<AgentJson[]> {
    return this.#request("GET", `/api/instances/${enc(instanceId)}/agents`);
  }

  /** `GET /api/instances/{id}/models`. */
  listModels(instanceId: string): Promise<ModelsJson> {
    return this.#request("GET", `/api/instances/${enc(instanceId)}/models`);
  }

  /** `GET /api/instances/{id}/commands`. */
  listCommands(instanceId: string): Promise<CommandJson[]> {
    return this.#request("GET", `/api/instances/${enc(instanceId)}/commands`);
  }

  /** `GET /api/instances/{id}/files?q=`: project paths for `@` mentions. */
  findFiles(instanceId: string, q: string, limit = 20): Promise<string[]> {
    return this.#request(
      "GET",
      `/api/instances/${enc(instanceId)}/files?q=${enc(q)}&limit=${limit}`,
    );
  }

  /** `GET /api/instances/{id}/usage`. */
  instanceUsage(instanceId: string): Promise<UsageJson> {
    return this.#request("GET", `/api/instances/${enc(instanceId)}/usage`);
  }

  /** `GET /api/search?q=`: sessions of every instance by title and text. */
  search(q: string, limit = 20): Promise<SearchJson> {
    return this.#request("GET", `/api/search?q=${enc(q)}&limit=${limit}`);
  }

  /** `POST /api/sessions/{id}/abort`. */
  async abortSession(id: string): Promise<void> {
    await this.#request("POST", `/api/sessions/${enc(id)}/abort`);
  }

  /** `GET /api/sessions/{id}/permissions`. */
  listSessionPermissions(id: string): Promise<PermissionJson[]> {
    return this.#request("GET", `/api/sessions/${enc(id)}/permissions`);
  }

  /** `GET /api/permissions`: every pending permission, on every instance. */
  listPermissions(): Promise<PermissionJson[]> {
    return this.#request("GET", "/api/permissions");
  }

  /** `POST /api/permissions/{id}`. */
  async replyPermission(id: string, reply: PermissionReply): Promise<void> {
    await this.#request("POST", `/api/permissions/${enc(id)}`, { reply });
  }

  /** `GET /api/directories?path=`: the subdirectories of `path` (default: home). */
  listDirectories(path?: string): Promise<DirectoriesJson> {
    const query = path ? `?path=${enc(path)}` : "";
    return this.#request("GET", `/api/directories${query}`);
  }

  /** `GET /api/workflows`: every installed workflow (newest revision). */
  listWorkflows(): Promise<WorkflowJson[]> {
    return this.#request("GET", "/api/workflows");
  }

  /** `POST /api/workflows` (201; 400 names each bad field, or the YAML line and column). */
  installWorkflow(body: InstallWorkflowBody): Promise<WorkflowJson> {
    return this.#request("POST", "/api/workflows", body);
  }

  /** `DELETE /api/workflows/{id}` (409 while a run of it is active). */
  async deleteWorkflow(id: string): Promise<void> {
    await this.#request("DELETE", `/api/workflows/${enc(id)}`);
  }

  /** `GET /api/runs?workflow=&status=&instance_id=`: newest first. */
  listRuns(filters: RunFilters = {}): Promise<RunSummaryJson[]> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) {
      if (typeof value === "string") query.set(key, value);
    }
    const text = query.toString();
    return this.#request("GET", `/api/runs${text ? `?${text}` : ""}`);
  }

  /** `GET /api/runs/{id}`: the run with its steps, stories and attempts. */
  getRun(id: string): Promise<RunJson> {
    return this.#request("GET", `/api/runs/${enc(id)}`);
  }

  /** `POST /api/runs` (201). */
  startRun(body: StartRunBody): Promise<RunJson> {
    return this.#request("POST", "/api/runs", body);
  }

  /** `POST /api/runs/{id}/stop` (409 with the reason when finished). */
  stopRun(id: string): Promise<RunJson> {
    return this.#request("POST", `/api/runs/${enc(id)}/stop`);
  }

  /** `POST /api/runs/{id}/resume` (409 with the reason unless cancelled or failed). */
  resumeRun(id: string): Promise<RunJson> {
    return this.#request("POST", `/api/runs/${enc(id)}/resume`);
  }

  /** `POST /api/runs/{id}/steps/{step}/retry|skip|approve` (409 with the reason). */
  stepAction(id: string, step: string, action: StepAction): Promise<RunJson> {
    return this.#request(
      "POST",
      `/api/runs/${enc(id)}/steps/${enc(step)}/${action}`,
    );
  }
}
