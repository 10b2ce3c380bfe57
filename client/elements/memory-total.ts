import { html, LitElement, nothing } from "lit";
import { StoreSelection } from "../controllers/store_selection.ts";
import { formatBytes, memoryTotal } from "../lib/instance_display.ts";
import { noteRender } from "../lib/render_probe.ts";

/**
 * The memory of every instance together (children and their descendants),
 * in the sidebar's heading. Renders when the instances change.
 */
export class MemoryTotal extends LitElement {
  #view = new StoreSelection(this, (s) => s.instances);

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override updated(): void {
    noteRender("memory-total", "");
  }

  override render() {
    const { bytes, measured } = memoryTotal(this.#view.value.values());
    if (measured === 0) return nothing;
    return html`
      <span
        data-memory-total
        class="font-mono text-[11px] font-normal normal-case tracking-normal text-gray-400"
        title="Memory of ${measured} running instance(s), their language and MCP servers and tools"
        aria-label="Memory in total: ${formatBytes(bytes)}"
      >${formatBytes(bytes)} in total</span>
    `;
  }
}

customElements.define("memory-total", MemoryTotal);

declare global {
  interface HTMLElementTagNameMap {
    "memory-total": MemoryTotal;
  }
}
