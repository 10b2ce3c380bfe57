import { html, LitElement, nothing } from "lit";
import type { DirectoriesJson } from "../api/api_client.ts";
import { icon } from "../lib/icons.ts";

/** What a `browse` event asks for: a folder, or the home folder. */
export interface BrowseDetail {
  /** The folder to list; absent for the home folder. */
  path?: string;
}

/**
 * The directory picker's listing: parent and home buttons, the listed path,
 * and its subfolders whose names start with `filter` (git repositories
 * marked). It holds no state of its own; the dialog lists folders.
 *
 * @fires browse - `detail` ({@linkcode BrowseDetail}) is the folder chosen.
 */
export class DirectoryList extends LitElement {
  static override properties = {
    listing: { attribute: false },
    filter: { attribute: false },
    loading: { attribute: false },
    error: { attribute: false },
  };

  /** The listed folder, or null before the first listing. */
  declare listing: DirectoriesJson | null;
  /** Only subfolders whose names start with this (any case). */
  declare filter: string;
  /** A listing is being fetched. */
  declare loading: boolean;
  /** Why the last listing failed, or null. */
  declare error: string | null;

  constructor() {
    super();
    this.listing = null;
    this.filter = "";
    this.loading = false;
    this.error = null;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  #browse(path: string | undefined): void {
    this.dispatchEvent(
      new CustomEvent<BrowseDetail>("browse", {
        detail: path === undefined ? {} : { path },
      }),
    );
  }

  override render() {
    const listing = this.listing;
    const filter = this.filter.toLowerCase();
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
            @click=${() => this.#browse(listing?.parent ?? undefined)}
          >${icon("folder-up")}</button>
          <button
            type="button"
            class=${navButton}
            aria-label="Home folder"
            title="Home folder"
            @click=${() => this.#browse(undefined)}
          >${icon("home")}</button>
          <span class="min-w-0 flex-1 truncate font-mono text-xs text-gray-400"
            data-picker-path>${listing?.path ?? ""}</span>
        </div>
        <ul class="h-48 overflow-y-auto p-1" aria-label="Subfolders"
          aria-busy=${this.loading ? "true" : "false"}>
          ${this.error
            ? html`<li role="alert" class="px-2 py-1.5 text-sm text-red-300">${this.error}</li>`
            : nothing}
          ${listing && !this.error && shown.length === 0
            ? html`<li class="px-2 py-1.5 text-sm text-gray-400">${
              filter
                ? `No subfolder starts with “${this.filter}”.`
                : "No subfolders."
            }</li>`
            : nothing}
          ${!this.error
            ? shown.map((d) =>
              html`
                <li>
                  <button
                    type="button"
                    class=${rowButton}
                    aria-label="Open folder ${d.name}"
                    data-dir=${d.path}
                    ?data-git=${d.git}
                    @click=${() => this.#browse(d.path)}
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

customElements.define("directory-list", DirectoryList);

declare global {
  interface HTMLElementTagNameMap {
    "directory-list": DirectoryList;
  }
}
