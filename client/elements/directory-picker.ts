import { html, LitElement, nothing } from "lit";
import { ContextConsumer } from "@lit/context";
import type { DirectoriesJson } from "../api/api_client.ts";
import { apiContext } from "../controllers/contexts.ts";
import { icon } from "../lib/icons.ts";

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The folder browser of the new-instance dialog, backed by
 * `GET /api/directories`: parent, home, and each subfolder; the dialog
 * calls `browse(path, fillPath)`.
 *
 * @fires path-picked - `detail` is the listed folder's path.
 */
export class DirectoryPicker extends LitElement {
  static override properties = {
    _listing: { state: true },
    _listingError: { state: true },
    _listingLoading: { state: true },
  };

  declare _listing: DirectoriesJson | null;
  declare _listingError: string | null;
  declare _listingLoading: boolean;

  #api = new ContextConsumer(this, { context: apiContext });
  #listingRequest = 0;

  constructor() {
    super();
    this._listing = null;
    this._listingError = null;
    this._listingLoading = false;
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
    const rowButton =
      "flex w-full items-center gap-2 rounded-md px-2 py-1.5 text-left text-sm text-gray-300 hover:bg-gray-800 focus-visible:outline-2 focus-visible:outline-indigo-400";
    return html`
      <div class="mt-2 rounded-lg border border-gray-800 bg-gray-950/60">
        <div class="flex items-center gap-2 border-b border-gray-800 px-2 py-1.5">
          <button
            type="button"
            class="grid size-7 place-items-center rounded-md text-gray-400 hover:bg-gray-800 hover:text-gray-100 disabled:opacity-40"
            aria-label="Parent folder"
            title="Parent folder"
            ?disabled=${!listing?.parent}
            @click=${() => void this.browse(listing?.parent ?? undefined, true)}
          >${icon("folder-up")}</button>
          <button
            type="button"
            class="grid size-7 place-items-center rounded-md text-gray-400 hover:bg-gray-800 hover:text-gray-100"
            aria-label="Home folder"
            title="Home folder"
            @click=${() => void this.browse(undefined, true)}
          >${icon("home")}</button>
          <span class="min-w-0 flex-1 truncate font-mono text-xs text-gray-400"
            data-picker-path>${listing
              ?.path ?? ""}</span>
        </div>
        <ul class="h-48 overflow-y-auto p-1" aria-label="Subfolders"
          aria-busy=${this
              ._listingLoading
            ? "true"
            : "false"}>
              ${this._listingError
                ? html`<li role="alert" class="px-2 py-1.5 text-sm text-red-300">${this._listingError}</li>`
                : nothing}
              ${listing && !this._listingError &&
                  listing.directories.length === 0
                ? html`<li class="px-2 py-1.5 text-sm text-gray-500">No subfolders.</li>`
                : nothing}
              ${!this._listingError
                ? (listing?.directories ?? []).map((d) =>
                  html`
                    <li>
                      <button
                        type="button"
                        class=${rowButton}
                        aria-label="Open folder ${d.name}"
                        data-dir=${d.path}
                        @click=${() => void this.browse(d.path, true)}
                      ><span class="text-indigo-300/80">${icon(
                        "folder",
                      )}</span><span class="truncate">${d
                        .name}</span></button>
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
