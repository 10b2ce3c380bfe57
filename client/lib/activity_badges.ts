/**
 * An instance's activity as badges: how many of its sessions need the user
 * and how many work. Tailwind scans this file, so class names are written
 * out in full.
 *
 * @module
 */
import { html, nothing, type TemplateResult } from "lit";

/**
 * The badges of an instance's activity ("2 need you", "1 working").
 *
 * @param working Sessions at work.
 * @param needsYou Sessions waiting on the user.
 * @returns The badges, or `nothing` when the instance is quiet.
 */
export function activityBadges(
  working: number,
  needsYou: number,
): TemplateResult | typeof nothing {
  if (working === 0 && needsYou === 0) return nothing;
  return html`<p class="mt-0.5 flex flex-wrap gap-1" data-instance-activity>
    ${
    needsYou
      ? html`
        <span
          data-activity="needs-you"
          class="rounded-full bg-amber-400/15 px-1.5 text-[11px] font-medium text-amber-200"
        >${needsYou} need${needsYou === 1 ? "s" : ""} you</span>
      `
      : nothing
  }
    ${
    working
      ? html`
        <span
          data-activity="working"
          class="inline-flex items-center gap-1 rounded-full bg-sky-500/15 px-1.5 text-[11px] font-medium text-sky-200"
        ><span class="size-1.5 animate-pulse rounded-full bg-sky-400"></span>${working} working</span>
      `
      : nothing
  }
  </p>`;
}
