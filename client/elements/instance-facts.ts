import { html, LitElement, nothing } from "lit";
import type { InstanceJson } from "../../server/contract/instances.ts";
import {
  formatBytes,
  formatIdleTimeout,
  instancePhase,
  recycleNote,
  remoteHost,
} from "../lib/instance_display.ts";

const time = (ms: number) =>
  new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/**
 * An instance's fleet facts under its row in the sidebar: remote (its
 * host), asleep ("wakes on use"), waking or starting, its memory, and the
 * last recycle over `--max-instance-memory`. Renders when its instance
 * object changes (the list passes the store's object).
 */
export class InstanceFacts extends LitElement {
  static override properties = { instance: { attribute: false } };

  /** The instance shown. */
  declare instance: InstanceJson | undefined;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  #phaseNote(instance: InstanceJson) {
    switch (instancePhase(instance)) {
      case "hibernated":
        return html`
          <span data-phase-note="hibernated" class="text-sky-300/80"
            title="Idle for ${formatIdleTimeout(
              instance.idle_timeout_s,
            )}: its OpenCode was stopped; opening or sending anything starts it again"
          >Hibernated · wakes on use</span>
        `;
      case "hibernating":
        return html`
          <span data-phase-note="hibernating"
            class="text-sky-300/80">Going to sleep…</span>
        `;
      case "waking":
        return html`<span data-phase-note="waking" class="text-sky-300" role="status">Waking…</span>`;
      case "starting":
        return html`<span data-phase-note="starting" class="text-yellow-300/80">${
          instance.kind === "remote" ? "Connecting…" : "Starting OpenCode…"
        }</span>`;
      default:
        return nothing;
    }
  }

  override render() {
    const instance = this.instance;
    if (!instance) return nothing;
    const phase = this.#phaseNote(instance);
    const memory = instance.memory_rss_bytes;
    const parts = [
      instance.kind === "remote" && instance.url
        ? html`
          <span
            data-remote-host
            class="rounded bg-violet-500/15 px-1 font-mono text-violet-200"
            title="A remote OpenCode server at ${instance
              .url}; Flock never starts or stops it"
          >remote · ${remoteHost(instance.url)}</span>
        `
        : nothing,
      phase,
      memory !== null
        ? html`
          <span
            data-memory
            class="font-mono text-gray-400"
            title="Memory of its OpenCode and every process it started"
          >${formatBytes(memory)}</span>
        `
        : nothing,
    ].filter((p) => p !== nothing);
    const recycle = instance.last_recycle;
    if (parts.length === 0 && !recycle) return nothing;
    return html`
      ${parts.length
        ? html`
          <p
            class="ml-6 flex flex-wrap items-center gap-x-2 px-2 text-[11px]">${parts}</p>
        `
        : nothing}
      ${recycle
        ? html`
          <p data-recycle class="ml-6 px-2 text-[11px] text-amber-300/80"
            title="Flock restarted it while idle, over --max-instance-memory"
          >${recycleNote(recycle, time)}</p>
        `
        : nothing}
    `;
  }
}

customElements.define("instance-facts", InstanceFacts);

declare global {
  interface HTMLElementTagNameMap {
    "instance-facts": InstanceFacts;
  }
}
