import { html, LitElement, nothing } from "lit";
import { repeat } from "lit/directives/repeat.js";
import { ContextConsumer } from "@lit/context";
import type { InstanceJson } from "../../server/contract/instances.ts";
import { apiContext, streamContext } from "../controllers/contexts.ts";
import { ContextSubscription } from "../controllers/context_subscription.ts";
import { removeInstance } from "../controllers/instance_delete.ts";
import { StoreSelection } from "../controllers/store_selection.ts";
import { basename } from "../lib/format.ts";
import { errorText } from "../lib/error_text.ts";
import { icon } from "../lib/icons.ts";
import { noteRender } from "../lib/render_probe.ts";
import {
  activityOf,
  attentionBySession,
  instanceActivity,
} from "../lib/store/board.ts";
import {
  instancesInOrder,
  NONE,
  sessionsByInstance,
} from "../lib/store/selectors.ts";
import { requestComposerFocus } from "../lib/composer_focus.ts";
import { activityBadges } from "../lib/activity_badges.ts";
import { sessionLinks } from "../lib/session_links.ts";
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

/**
 * The sidebar's instances, each with its status dot, what its sessions are
 * doing (working, needing you), its actions (new session, restart or start,
 * stop, remove: always in the same four places, so Stop never moves under
 * the pointer and focus stays on the button pressed) and its sessions, with
 * an unread dot on those that finished since the user last looked. Renders
 * when the instances, the sessions, the requests or what the user has seen
 * change, never for a conversation.
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
    attention: attentionBySession(s),
    activity: instanceActivity(s),
    seen: s.seen,
    ready: s.load.ready,
    loadError: s.load.error,
  }));
  #api = new ContextConsumer(this, { context: apiContext });
  #stream = new ContextSubscription(this, streamContext);

  /** An error's message, instances named (not their ids). */
  #errorText(error: unknown): string {
    return errorText(error, this.#view.store?.state.instances ?? new Map());
  }

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
        this.#errorText(error),
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
      requestComposerFocus(session.id);
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
        `OpenCode in ${instance.working_directory} will be stopped and the instance removed from Flock, with its sessions' worktrees. Files in the directory are not touched.`,
      confirmLabel: "Stop and remove",
      danger: true,
    });
    const api = this.#api.value;
    if (!ok || !confirm || !api) return;
    await this.#run(instance, async () => {
      if (!(await removeInstance(api, instance.id, confirm))) return;
      this.#view.store?.dispatch({
        kind: "instance-deleted",
        instanceId: instance.id,
      });
    });
  }

  /** A pending action's button keeps focus: guarded, never disabled. */
  #guard(instance: InstanceJson, enabled: boolean, action: () => void) {
    return () => {
      if (enabled && !this._pending.has(instance.id)) action();
    };
  }

  #renderActivity(instance: InstanceJson) {
    const { working, needsYou } = activityOf(
      this.#view.value.activity,
      instance,
    );
    return activityBadges(working, needsYou);
  }

  #renderActions(instance: InstanceJson, name: string) {
    // A hibernated instance takes a new session: the request wakes it.
    const running = instance.status === "running" ||
      instancePhase(instance) === "hibernated";
    const busy = this._pending.has(instance.id);
    const canStop = instance.status === "running" ||
      instance.status === "starting";
    const canRestart = instance.status !== "stopping";
    const start = instance.status === "stopped" || instance.status === "error";
    const action =
      "grid size-11 place-items-center rounded-md text-gray-400 hover:bg-gray-800 hover:text-gray-100 focus-visible:outline-2 focus-visible:outline-indigo-400 aria-disabled:opacity-40 aria-disabled:hover:bg-transparent aria-disabled:hover:text-gray-400 md:size-7";
    const off = (enabled: boolean) => !enabled || busy ? "true" : "false";
    return html`
      <div
        class="flex shrink-0 items-center rounded-md transition-opacity md:absolute md:top-1/2 md:right-1 md:-translate-y-1/2 md:bg-gray-900 md:opacity-0 md:shadow-[-12px_0_12px_var(--color-gray-900)] md:group-hover/instance:opacity-100 md:group-focus-within/instance:opacity-100"
      >
        <button
          type="button"
          class=${action}
          data-action="new-session"
          aria-label="New session in ${name}"
          title=${running ? "New session" : "Start the instance first"}
          aria-disabled=${off(running)}
          @click=${this.#guard(
            instance,
            running,
            () => void this.#newSession(instance),
          )}
        >${icon("plus")}</button>
        <button
          type="button"
          class=${action}
          data-action="new-worktree-session"
          aria-label="New worktree session in ${name}…"
          title=${running
            ? "New session… (in its own worktree)"
            : "Start the instance first"}
          aria-disabled=${off(running)}
          @click=${this.#guard(
            instance,
            running,
            () =>
              void this.querySelector<NewSessionDialog>("new-session-dialog")
                ?.open(instance.id),
          )}
        >${icon("branch", "size-3.5")}</button>
        <button
          type="button"
          class=${action}
          data-action="restart"
          aria-label="${start ? "Start" : "Restart"} ${name}"
          title=${start ? "Start" : "Restart"}
          aria-disabled=${off(canRestart)}
          @click=${this.#guard(
            instance,
            canRestart,
            () => void this.#restart(instance),
          )}
        >${icon("refresh", "size-3.5")}</button>
        <button
          type="button"
          class=${action}
          data-action="settings"
          aria-label="Settings of ${name}"
          title="Name, idle timeout, hibernate"
          data-instance-settings
          @click=${() =>
            void this.querySelector("instance-settings")?.show(instance)}
        >${icon("wrench", "size-3.5")}</button>
        <button
          type="button"
          class=${action}
          data-action="stop"
          aria-label="Stop ${name}"
          title=${canStop ? "Stop" : "Not running"}
          aria-disabled=${off(canStop)}
          @click=${this.#guard(
            instance,
            canStop,
            () => void this.#stop(instance),
          )}
        >${icon("stop", "size-3.5")}</button>
        <button
          type="button"
          class="${action} hover:text-red-300"
          data-action="remove"
          aria-label="Remove ${name}"
          title="Stop and remove"
          aria-disabled=${off(true)}
          @click=${this.#guard(
            instance,
            true,
            () => void this.#remove(instance),
          )}
        >${icon("trash", "size-3.5")}</button>
      </div>
    `;
  }

  #renderSessions(instance: InstanceJson) {
    const { sessions: byInstance, attention, seen } = this.#view.value;
    return sessionLinks(byInstance.get(instance.id) ?? NONE, {
      selectedId: this.selectedSessionId,
      attention,
      seen,
    });
  }

  #renderInstance(instance: InstanceJson) {
    const name = instance.name || basename(instance.working_directory);
    const error = this._errors.get(instance.id);
    const logs = `#/i/${encodeURIComponent(instance.id)}/logs`;
    const phase = instancePhase(instance);
    const label = phaseLabel(phase);
    const asleep = isAsleep(phase);
    return html`
      <li
        class="group/instance"
        data-instance-id=${instance.id}
        data-instance-status=${instance.status}
        data-instance-phase=${phase}
        data-kind=${instance.kind}
        aria-label="Instance ${name}, ${label}"
      >
        <div class="relative flex items-center gap-2 rounded-lg px-2 py-1.5 hover:bg-gray-900 ${asleep
          ? "opacity-50"
          : ""}" data-dimmed=${asleep ? "true" : "false"}>
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
            <p class="truncate font-mono text-[11px] text-gray-400">${instance
              .working_directory}</p>
            ${this.#renderActivity(instance)}
            <instance-usage instance-id=${instance.id}></instance-usage>
          </div>
          ${this.#renderActions(instance, name)}
        </div>
        <instance-facts .instance=${instance}></instance-facts>
        ${instance.status === "error" && instance.last_error
          ? html`
            <p
              class="ml-6 line-clamp-3 break-words px-2 text-xs text-red-300"
              title=${instance.last_error}
              data-last-error
            >${instance.last_error}</p>
            <a href=${logs}
              class="ml-6 inline-flex min-h-11 items-center px-2 text-xs text-indigo-300 hover:underline md:min-h-0">View log</a>
          `
          : nothing}
        ${error
          ? html`<p role="alert" class="ml-6 px-2 text-xs text-red-300">${error}</p>`
          : nothing}
        ${this.#renderSessions(instance)}
      </li>
    `;
  }

  override render() {
    const { instances, ready, loadError } = this.#view.value;
    const stale = ready && this.#stream.value?.status !== "connected";
    return html`
      ${!ready
        ? html`<p class="px-2 py-2 text-sm text-gray-400">${
          loadError
            ? `Cannot load the instances: ${loadError}`
            : "Waiting for the server…"
        }</p>`
        : nothing}
      ${ready && instances.length === 0
        ? html`<p class="px-3 py-2 text-sm text-gray-400">No instances yet.</p>`
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
