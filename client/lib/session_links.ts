/**
 * An instance's sessions in the sidebar: links with what each is doing (a
 * count of requests that need the user, a working dot) and an unread dot on
 * those that finished since the user last looked. Tailwind scans this file,
 * so class names are written out in full.
 *
 * @module
 */
import { html, nothing, type TemplateResult } from "lit";
import { repeat } from "lit/directives/repeat.js";
import type { SessionJson } from "../../server/contract/sessions.ts";
import { isUnread, type SeenState } from "./store/seen.ts";
import { isSessionWorking } from "./status_style.ts";

/** What the links need beside the sessions. */
export interface SessionLinksOptions {
  /** The open session (highlighted, never unread). */
  selectedId: string;
  /** What needs the user, by session id. */
  attention: ReadonlyMap<string, readonly unknown[]>;
  /** What this browser has seen. */
  seen: SeenState;
}

/**
 * The links of an instance's sessions.
 *
 * @param sessions Its root sessions, in display order.
 * @returns The list, or `nothing` when there are none.
 */
export function sessionLinks(
  sessions: readonly SessionJson[],
  options: SessionLinksOptions,
): TemplateResult | typeof nothing {
  if (!sessions.length) return nothing;
  return html`<ul class="mt-0.5 mb-1 ml-[1.15rem] space-y-px border-l border-gray-800 pl-2">
      ${
    repeat(sessions, (s) => s.id, (s) => {
      const selected = s.id === options.selectedId;
      const pending = options.attention.get(s.id)?.length ?? 0;
      const unread = !selected && isUnread(s, options.seen);
      return html`
        <li>
          <a
            href="#/s/${encodeURIComponent(s.id)}"
            data-session-id=${s.id}
            aria-current=${selected ? "page" : "false"}
            class="flex min-h-11 items-center gap-2 rounded-md px-2 py-1.5 text-sm focus-visible:outline-2 focus-visible:outline-indigo-400 md:min-h-0 ${selected
              ? "bg-indigo-500/15 text-indigo-100"
              : unread
              ? "font-medium text-gray-100 hover:bg-gray-900"
              : "text-gray-400 hover:bg-gray-900 hover:text-gray-200"}"
          >
            <span class="min-w-0 flex-1 truncate">${s.title ||
              "Untitled session"}</span>
            ${pending
              ? html`
                <span
                  class="rounded-full bg-amber-400 px-1.5 text-[11px] font-bold text-gray-950"
                  aria-label="${pending} request(s) need you"
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
            ${unread
              ? html`
                <span
                  data-unread
                  class="size-2 shrink-0 rounded-full bg-emerald-400"
                  role="img"
                  aria-label="Unread: finished since you last looked"
                ></span>
              `
              : nothing}
          </a>
        </li>
      `;
    })
  }
    </ul>`;
}
