import { html, LitElement } from "lit";
import { icon } from "../lib/icons.ts";
import { readNotifyOptIn, writeNotifyOptIn } from "../lib/notifier.ts";

/**
 * The bell: opts in to system notifications (a finished session, a
 * permission request) while the tab is hidden. The browser permission is
 * requested here, from the click, never on page load.
 */
export class NotifyToggle extends LitElement {
  static override properties = {
    _enabled: { state: true },
    _denied: { state: true },
  };

  declare _enabled: boolean;
  declare _denied: boolean;

  constructor() {
    super();
    const supported = typeof Notification !== "undefined";
    this._denied = supported && Notification.permission === "denied";
    this._enabled = supported && !this._denied &&
      Notification.permission === "granted" && readNotifyOptIn(localStorage);
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  async #toggle(): Promise<void> {
    if (typeof Notification === "undefined") return;
    if (this._enabled) {
      this._enabled = false;
      writeNotifyOptIn(localStorage, false);
      return;
    }
    const permission = Notification.permission === "default"
      ? await Notification.requestPermission()
      : Notification.permission;
    this._denied = permission === "denied";
    this._enabled = permission === "granted";
    writeNotifyOptIn(localStorage, this._enabled);
  }

  override render() {
    if (typeof Notification === "undefined") return html``;
    const label = this._denied
      ? "Notifications are blocked in the browser settings"
      : this._enabled
      ? "Turn off notifications"
      : "Notify me when a session finishes or needs me";
    return html`
      <button
        type="button"
        class="grid size-11 place-items-center rounded-md md:size-8 text-gray-400 hover:bg-gray-800 hover:text-gray-100 focus-visible:outline-2 focus-visible:outline-indigo-400 disabled:opacity-40 aria-pressed:text-indigo-300"
        aria-label=${label}
        title=${label}
        aria-pressed=${this._enabled ? "true" : "false"}
        ?disabled=${this._denied}
        @click=${() => void this.#toggle()}
      >${icon(this._enabled ? "bell" : "bell-off")}</button>
    `;
  }
}

customElements.define("notify-toggle", NotifyToggle);

declare global {
  interface HTMLElementTagNameMap {
    "notify-toggle": NotifyToggle;
  }
}
