import { html, LitElement, nothing } from "lit";
import { ContextConsumer } from "@lit/context";
import type { DirectoriesJson } from "../api/api_client.ts";
import { apiContext } from "../controllers/contexts.ts";
import { icon } from "../lib/icons.ts";
import { pickerQuery } from "../lib/picker_query.ts";

/** How long typing must pause before the picker follows the typed path. */
const FOLLOW_DELAY_MS = 150;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The folder browser of the new-instance dialog, backed by
 * `GET /api/directories`: parent, home, and each subfolder (git
 * repositories marked); the dialog calls `browse(path, fillPath)`, and
 * `follow(typed)` as the user types a path (after a pause, it lists the
 * typed folder's parent and shows only the subfolders starting with the
 * typed last part).
 *
 * @fires path-picked - `detail` is the listed folder's path.
 */
export class DirectoryPicker extends LitElement {
  static override properties = {
    _listing: { state: true },
    _listingError: { state: true },
    _listingLoading: { state: true },
    _filter: { state: true },
  };

  declare _listing: DirectoriesJson | null;
  declare _listingError: string | null;
  declare _listingLoading: boolean;
  /** Only subfolders starting with this (the typed path's last part). */
  declare _filter: string;

  #api = new ContextConsumer(this, { context: apiContext });
  #listingRequest = 0;
  #followTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super();
    this._listing = null;
    this._listingError = null;
    this._listingLoading = false;
    this._filter = "";
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.#followTimer);
  }

  /** Lists what the typed path points into, after a pause in typing. */
  follow(typed: string): void {
    clearTimeout(this.#followTimer);
    const query = pickerQuery(typed);
    if (!query) return;
    this.#followTimer = setTimeout(() => {
      this._filter = query.filter;
      if (this._listing?.path !== query.directory) {
        void this.browse(query.directory, false);
      }
    }, FOLLOW_DELAY_MS);
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /**
   * Lists `path` (default: the home directory); with `fillPath`, tells the
   * form the listed path (`path-picked`).
   */
  async browse(path: string | undefined, fillPath: boolean): Promise<void> {
    const api = this.#api.value;
    if (!api) return;
    const request = ++this.#listingRequest;
    this._listingLoading = true;
    this._listingError = null;
    try {
      const listing = await api.listDirectories(path);
      if (request !== this.#listingRequest) return;
      this._listing = listing;
      if (fillPath) {
        this._filter = "";
        this.dispatchEvent(
          new CustomEvent("path-picked", { detail: listing.path }),
        );
      }
    } catch (error) {
      if (request !== this.#listingRequest) return;
      this._listingError = messageOf(error);
    } finally {
      if (request === this.#listingRequest) this._listingLoading = false;
    }
  }

  override render() {
    const listing = this._listing;
    const filter = this._filter.toLowerCase();
    const shown = (listing?.directories ?? []).filter((d) =>
      d.name.toLowerCase().startsWith(filter)
    );
    const rowButton =
      "flex min-h-11 w-full items-center gap-2 rounded-md px-2 py-1.5 text-left text-sm text-gray-300 hover:bg-gray-800 focus-visible:outline-2 focus-visible:outline-indigo-400 md:min-h-0";
    const navButton =
      "grid size-11 place-items-center rounded-md text-gray-400 hover:bg-gray-800 hover:text-gray-100 disabled:opacity-40 md:size-7";
    return html`
      <div class="mt-2 rounded-lg border border-gray-800 bg-gray-950/60">
        <div class="flex items-center gap-2 border-b border-gray-800 px-2 py-1.5">
          <button
            type="button"
            class=${navButton}
            aria-label="Parent folder"
            title="Parent folder"
            ?disabled=${!listing?.parent}
            @click=${() => void this.browse(listing?.parent ?? undefined, true)}
          >${icon("folder-up")}</button>
          <button
            type="button"
            class=${navButton}
            aria-label="Home folder"
            title="Home folder"
            @click=${() => void this.browse(undefined, true)}
          >${icon("home")}</button>
          <span class="min-w-0 flex-1 truncate font-mono text-xs text-gray-400"
            data-picker-path>${listing?.path ?? ""}</span>
        </div>
        <ul class="h-48 overflow-y-auto p-1" aria-label="Subfolders"
          aria-busy=${this._listingLoading ? "true" : "false"}>
          ${this._listingError
            ? html`<li role="alert" class="px-2 py-1.5 text-sm text-red-300">${this._listingError}</li>`
            : nothing}
          ${listing && !this._listingError && shown.length === 0
            ? html`<li class="px-2 py-1.5 text-sm text-gray-400">${
              filter
                ? `No subfolder starts with “${this._filter}”.`
                : "No subfolders."
            }</li>`
            : nothing}
          ${!this._listingError
            ? shown.map((d) =>
              html`
                <li>
                  <button
                    type="button"
                    class=${rowButton}
                    aria-label="Open folder ${d.name}"
                    data-dir=${d.path}
                    ?data-git=${d.git}
                    @click=${() => void this.browse(d.path, true)}
                  ><span class="text-indigo-300">${icon(
                    "folder",
                  )}</span><span class="min-w-0 flex-1 truncate">${d
                    .name}</span>${d.git
                    ? html`
                      <span
                        class="shrink-0 rounded bg-orange-500/15 px-1.5 text-[11px] font-medium text-orange-200"
                        title="A git repository"
                      >git</span>
                    `
                    : nothing}</button>
                </li>
              `
            )
            : nothing}
        </ul>
      </div>
    `;
  }
}

customElements.define("directory-picker", DirectoryPicker);

declare global {
  interface HTMLElementTagNameMap {
    "directory-picker": DirectoryPicker;
  }
}
