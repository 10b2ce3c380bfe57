import { html, LitElement, nothing } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { ContextConsumer } from "@lit/context";
import type { InstanceJson } from "../../server/contract/instances.ts";
import { apiContext, streamContext } from "../controllers/contexts.ts";
import { ContextSubscription } from "../controllers/context_subscription.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { basename } from "../lib/format.ts";
import { icon } from "../lib/icons.ts";
import { noteRender } from "../lib/render_probe.ts";
import {
  instancesInOrder,
  NONE,
  permissionsBySession,
  sessionsByInstance,
} from "../lib/store/selectors.ts";
import { isSessionWorking } from "../lib/status_style.ts";
import {
  instancePhase,
  isAsleep,
  phaseDotClass,
  phaseLabel,
} from "../lib/instance_display.ts";
import type { ConfirmDialog } from "./confirm-dialog.ts";
import "./instance-usage.ts";
import "./confirm-dialog.ts";
import "./instance-facts.ts";
import "./instance-settings.ts";
import type { NewSessionDialog } from "./new-session-dialog.ts";
import "./new-session-dialog.ts";

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The sidebar's instances, each with its status dot, actions (new session,
 * restart, stop, remove) and its sessions. Renders when the instances, the
 * sessions or the permission requests change, never for a conversation.
 */
export class InstanceList extends LitElement {
  static override properties = {
    selectedSessionId: { type: String, attribute: "selected-session-id" },
    _errors: { state: true },
    _pending: { state: true },
  };

  /** The open session (highlighted). */
  declare selectedSessionId: string;
  declare _errors: ReadonlyMap<string, string>;
  declare _pending: ReadonlySet<string>;

  #view = new StoreSelection(this, (s) => ({
    instances: instancesInOrder(s.instances),
    sessions: sessionsByInstance(s.sessions.byId),
    permissions: permissionsBySession(s.permissions),
    ready: s.load.ready,
    loadError: s.load.error,
  }));
  #api = new ContextConsumer(this, { context: apiContext });
  #stream = new ContextSubscription(this, streamContext);

  constructor() {
    super();
    this.selectedSessionId = "";
    this._errors = new Map();
    this._pending = new Set();
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override updated(): void {
    noteRender("instance-list", "");
  }

  async #run(
    instance: InstanceJson,
    action: () => Promise<void>,
  ): Promise<void> {
    const errors = new Map(this._errors);
    errors.delete(instance.id);
    this._errors = errors;
    this._pending = new Set([...this._pending, instance.id]);
    try {
      await action();
    } catch (error) {
      this._errors = new Map([...this._errors, [
        instance.id,
        messageOf(error),
      ]]);
    } finally {
      const pending = new Set(this._pending);
      pending.delete(instance.id);
      this._pending = pending;
    }
  }

  #newSession(instance: InstanceJson): Promise<void> {
    return this.#run(instance, async () => {
      const api = this.#api.value;
      const store = this.#view.store;
      if (!api || !store) return;
      const session = await api.createSession(instance.id);
      store.dispatch({ kind: "session-saved", session });
      location.hash = `#/s/${encodeURIComponent(session.id)}`;
    });
  }

  #restart(instance: InstanceJson): Promise<void> {
    return this.#run(instance, async () => {
      const updated = await this.#api.value?.restartInstance(instance.id);
      if (updated) {
        this.#view.store?.dispatch({
          kind: "instance-saved",
          instance: updated,
        });
      }
    });
  }

  #stop(instance: InstanceJson): Promise<void> {
    return this.#run(instance, async () => {
      const updated = await this.#api.value?.stopInstance(instance.id);
      if (updated) {
        this.#view.store?.dispatch({
          kind: "instance-saved",
          instance: updated,
        });
      }
    });
  }

  async #remove(instance: InstanceJson): Promise<void> {
    const confirm = this.querySelector<ConfirmDialog>("confirm-dialog");
    const ok = await confirm?.ask({
      title: "Remove instance?",
      message:
        `OpenCode in ${instance.working_directory} will be stopped and the instance removed from Flock. Files in the directory are not touched.`,
      confirmLabel: "Stop and remove",
      danger: true,
    });
    if (!ok) return;
    await this.#run(instance, async () => {
      await this.#api.value?.deleteInstance(instance.id);
      this.#view.store?.dispatch({
        kind: "instance-deleted",
        instanceId: instance.id,
      });
    });
  }

  #renderInstance(instance: InstanceJson) {
    const { sessions: byInstance, permissions } = this.#view.value;
    const sessions = byInstance.get(instance.id) ?? NONE;
    const name = instance.name || basename(instance.working_directory);
    const phase = instancePhase(instance);
    const label = phaseLabel(phase);
    // A hibernated instance takes a new session: the request wakes it.
    const running = instance.status === "running" || phase === "hibernated";
    const busy = this._pending.has(instance.id);
    const canStop = instance.status === "running" ||
      instance.status === "starting";
    const action =
      "grid size-7 place-items-center rounded-md text-gray-400 hover:bg-gray-800 hover:text-gray-100 focus-visible:outline-2 focus-visible:outline-indigo-400 disabled:opacity-40 disabled:hover:bg-transparent";
    const error = this._errors.get(instance.id);
    return html`
      <li
        class="group/instance"
        data-instance-id=${instance.id}
        data-instance-status=${instance.status}
        data-instance-phase=${phase}
        data-kind=${instance.kind}
        aria-label="Instance ${name}, ${label}"
      >
            <div class="relative flex items-center gap-2 rounded-lg px-2 py-1.5 hover:bg-gray-900 ${isAsleep(
                phase,
              )
              ? "opacity-50"
              : ""}" data-dimmed=${isAsleep(phase) ? "true" : "false"}>
              <span
                data-status-dot=${phase}
                class="size-2.5 shrink-0 rounded-full ${phaseDotClass(phase)}"
                role="img"
                aria-label=${label}
                title=${label}
              ></span>
              <div class="min-w-0 flex-1">
                <p class="truncate text-sm font-medium text-gray-100" title=${instance
                  .working_directory}>${name}</p>
                <p class="truncate font-mono text-[11px] text-gray-500">${instance
                  .working_directory}</p>
                <instance-usage instance-id=${instance.id}></instance-usage>
              </div>
              <div
                class="flex shrink-0 items-center rounded-md transition-opacity md:absolute md:top-1/2 md:right-1 md:-translate-y-1/2 md:bg-gray-900 md:opacity-0 md:shadow-[-12px_0_12px_var(--color-gray-900)] md:group-hover/instance:opacity-100 md:group-focus-within/instance:opacity-100"
              >
                <button
                  type="button"
                  class=${action}
                  aria-label="New session in ${name}"
                  title=${running ? "New session" : "Start the instance first"}
                  ?disabled=${!running || busy}
                  @click=${() => void this.#newSession(instance)}
                >${icon("plus")}</button>
                <button
                  type="button"
                  class=${action}
                  aria-label="New worktree session in ${name}…"
                  title=${running
                    ? "New session… (in its own worktree)"
                    : "Start the instance first"}
                  ?disabled=${!running || busy}
                  @click=${() =>
                    void this.querySelector<NewSessionDialog>(
                      "new-session-dialog",
                    )?.open(instance.id)}
                >${icon("branch", "size-3.5")}</button>
                <button
                  type="button"
                  class=${action}
                  aria-label="Restart ${name}"
                  title="Restart"
                  ?disabled=${busy || instance.status === "stopping"}
                  @click=${() => void this.#restart(instance)}
                >${icon("refresh", "size-3.5")}</button>
                <button
                  type="button"
                  class=${action}
                  aria-label="Settings of ${name}"
                  title="Name, idle timeout, hibernate"
                  data-instance-settings
                  @click=${() =>
                    void this.querySelector("instance-settings")?.show(
                      instance,
                    )}
                >${icon("wrench", "size-3.5")}</button>
                ${canStop
                  ? html`
                    <button
                      type="button"
                      class=${action}
                      aria-label="Stop ${name}"
                      title="Stop"
                      ?disabled=${busy}
                      @click=${() => void this.#stop(instance)}
                    >${icon("stop", "size-3.5")}</button>
                  `
                  : nothing}
                <button
                  type="button"
                  class="${action} hover:text-red-300"
                  aria-label="Remove ${name}"
                  title="Stop and remove"
                  ?disabled=${busy}
                  @click=${() => void this.#remove(instance)}
                >${icon("trash", "size-3.5")}</button>
              </div>
            </div>
            <instance-facts .instance=${instance}></instance-facts>
            ${instance.status === "error" && instance.last_error
              ? html`
                <p
                  class="ml-6 line-clamp-3 break-words px-2 text-xs text-red-300"
                  title=${instance.last_error}
                  data-last-error
                >${instance.last_error}</p>
              `
              : nothing}
            ${error
              ? html`<p role="alert" class="ml-6 px-2 text-xs text-red-300">${error}</p>`
              : nothing}
            ${sessions.length
              ? html`<ul class="mt-0.5 mb-1 ml-[1.15rem] space-y-px border-l border-gray-800 pl-2">
          ${
                repeat(sessions, (s) => s.id, (s) => {
                  const selected = s.id === this.selectedSessionId;
                  const pending = permissions.get(s.id)?.length ?? 0;
                  return html`
                    <li>
                      <a
                        href="#/s/${encodeURIComponent(s.id)}"
                        data-session-id=${s.id}
                        aria-current=${selected ? "page" : "false"}
                        class="flex items-center gap-2 rounded-md px-2 py-1.5 text-sm focus-visible:outline-2 focus-visible:outline-indigo-400 ${selected
                          ? "bg-indigo-500/15 text-indigo-100"
                          : "text-gray-400 hover:bg-gray-900 hover:text-gray-200"}"
                      >
                                    <span class="min-w-0 flex-1 truncate">${s
                                      .title ||
                                      "Untitled session"}</span>
                                    ${pending
                                      ? html`
                                        <span
                                          class="rounded-full bg-amber-400 px-1.5 text-[10px] font-bold text-gray-950"
                                          aria-label="${pending} permission request(s)"
                                        >${pending}</span>
                                      `
                                      : nothing}
                                    ${isSessionWorking(s.status)
                                      ? html`
                                        <span
                                          class="size-1.5 shrink-0 animate-pulse rounded-full bg-sky-400"
                                          aria-label="working"
                                        ></span>
                                      `
                                      : nothing}
                                  </a>
                    </li>
                  `;
                })
              }
        </ul>`
              : nothing}
          </li>
    `;
  }

  override render() {
    const { instances, ready, loadError } = this.#view.value;
    const stale = ready && this.#stream.value?.status !== "connected";
    return html`
      ${!ready
        ? html`<p class="px-2 py-2 text-sm text-gray-500">${
          loadError
            ? `Cannot load the instances: ${loadError}`
            : "Waiting for the server…"
        }</p>`
        : nothing}
      ${ready && instances.length === 0
        ? html`<p class="px-3 py-2 text-sm text-gray-500">No instances yet.</p>`
        : nothing}
      ${stale
        ? html`<p class="px-2 pb-1 text-xs text-amber-300/80">
          Not connected: statuses may be out of date.
        </p>`
        : nothing}
      <ul
        class="space-y-1 transition-opacity ${stale ? "opacity-50" : ""}"
        aria-label="Instances"
        aria-busy=${stale ? "true" : "false"}
      >
        ${repeat(instances, (i) => i.id, (i) => this.#renderInstance(i))}
      </ul>
      <confirm-dialog></confirm-dialog>
      <instance-settings></instance-settings>
      <new-session-dialog></new-session-dialog>
    `;
  }
}

customElements.define("instance-list", InstanceList);

declare global {
  interface HTMLElementTagNameMap {
    "instance-list": InstanceList;
  }
}
