/**
 * The two-button toggle that picks which changes a diff shows (a session's
 * working tree or whole branch; a run's branch or what is uncommitted). One
 * template for the changes panel and a run's Changes, so they look and
 * behave alike (44 px tall, `aria-pressed`, `data-scope`). Tailwind scans
 * this file, so class names must be written out in full.
 *
 * @module
 */
import { html, type TemplateResult } from "lit";
import type { DiffScope } from "../../server/contract/worktrees.ts";

/**
 * The toggle's buttons, in the order given.
 *
 * @param scopes Each scope with its label.
 * @param current The scope shown now (its button is pressed).
 * @param choose Called with the scope whose button was clicked.
 */
export function diffScopeToggle(
  scopes: readonly (readonly [DiffScope, string])[],
  current: DiffScope,
  choose: (scope: DiffScope) => void,
): TemplateResult {
  return html`
    <div role="group" aria-label="Which changes"
      class="inline-flex overflow-hidden rounded-md ring-1 ring-gray-700">
      ${scopes.map(([scope, label]) =>
        html`
          <button type="button" data-scope=${scope}
            aria-pressed=${current === scope ? "true" : "false"}
            class="min-h-11 px-3 text-xs ${current === scope
              ? "bg-gray-700 text-gray-100"
              : "text-gray-400 hover:bg-gray-800"}"
            @click=${() => choose(scope)}>${label}</button>
        `
      )}
    </div>
  `;
}
