import { html, LitElement, nothing, type TemplateResult } from "lit";
import { repeat } from "lit/directives/repeat.js";
import type { PermissionJson } from "../../server/contract/permissions.ts";
import { type ConversationMessage, errorText } from "../lib/conversation.ts";
import "./reply-footer.ts";
import { formatValue } from "../lib/format.ts";
import { icon } from "../lib/icons.ts";
import { noteRender } from "../lib/render_probe.ts";
import type {
  OpenCodePart,
  OpenCodeToolPart,
  OpenCodeToolState,
} from "../../server/contract/opencode.ts";
import { toolOutcome, toolOutcomeLook } from "../lib/tool_outcome.ts";
import "./markdown-text.ts";
import "./message-actions.ts";
import "./permission-prompt.ts";

function toolSummary(part: OpenCodeToolPart): string {
  const state = part.state;
  if ("title" in state && state.title) return state.title;
  const input = state.input;
  for (const key of ["command", "filePath", "path", "pattern", "url"]) {
    const value = input[key];
    if (typeof value === "string" && value !== "") return value;
  }
  return "";
}

function toolOutput(state: OpenCodeToolState): string {
  if (state.status === "completed") return state.output;
  if (state.status === "pending") return "";
  const streamed = state.metadata?.output;
  return typeof streamed === "string" ? streamed : "";
}

/**
 * One chat bubble: a user prompt, or an assistant reply with its text
 * (Markdown, sanitised, rendered incrementally while it streams), reasoning,
 * tool calls (collapsible: tool, input, status, output), inline permission
 * requests and errors.
 *
 * Renders only when one of its properties changes identity: the log passes
 * the same message object (and the same permissions list) while they are
 * unchanged, so a delta to one part re-renders only the message that holds
 * it.
 */
export class MessageItem extends LitElement {
  static override properties = {
    message: { attribute: false },
    permissions: { attribute: false },
    interrupted: { attribute: false },
    aborted: { type: Boolean },
    working: { type: Boolean },
    continued: { type: Boolean },
  };

  /** The message and its parts. */
  declare message: ConversationMessage | undefined;
  /** Pending permissions raised by this message's tool calls. */
  declare permissions: readonly PermissionJson[];
  /** Its tool parts Flock marked cut off by their OpenCode's end. */
  declare interrupted: ReadonlySet<string>;
  /** Flock marked the reply aborted (OpenCode left it empty, no error). */
  declare aborted: boolean;
  /** The reply is still being generated. */
  declare working: boolean;
  /** Follows another assistant message (the avatar is not repeated). */
  declare continued: boolean;

  constructor() {
    super();
    this.message = undefined;
    this.permissions = [];
    this.interrupted = new Set();
    this.aborted = false;
    this.working = false;
    this.continued = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  #renderMarkdown(part: OpenCodePart, text: string): TemplateResult {
    return html`
      <markdown-text
        class="md block"
        data-part-id=${part.id}
        .text=${text}
      ></markdown-text>
    `;
  }

  protected override updated(): void {
    noteRender("message-item", this.message?.info.id ?? "");
  }

  #renderPart(part: OpenCodePart): TemplateResult | typeof nothing {
    switch (part.type) {
      case "text": {
        if (part.synthetic || !part.text) return nothing;
        return html`<div data-part="text">${
          this.#renderMarkdown(
            part,
            part.text,
          )
        }</div>`;
      }
      case "reasoning": {
        if (!part.text.trim()) return nothing;
        return html`
          <details
            data-part="reasoning"
            class="group rounded-lg border border-gray-800 bg-gray-950/40"
          >
            <summary
              class="flex min-h-11 cursor-pointer list-none items-center gap-2 px-3 py-2 text-xs text-gray-400 hover:text-gray-200 [&::-webkit-details-marker]:hidden"
            >
                      <span class="transition-transform group-open:rotate-90">${icon(
                        "chevron",
                        "size-3.5",
                      )}</span>
                      ${icon("brain", "size-3.5")} Reasoning
                    </summary>
            <div class="border-t border-gray-800 px-3 py-2 text-sm text-gray-400">
                      ${this.#renderMarkdown(part, part.text)}
                    </div>
          </details>
        `;
      }
      case "tool":
        return this.#renderTool(part);
      case "file":
        return html`
          <div
            data-part="file"
            class="inline-flex items-center gap-1.5 rounded-md bg-gray-800 px-2 py-1 text-xs text-gray-300"
          >${icon("file", "size-3.5")} ${part.filename ?? part.url ??
            "file"}</div>
        `;
      default:
        return nothing;
    }
  }

  #renderTool(part: OpenCodeToolPart): TemplateResult {
    const state = part.state;
    const status = state.status;
    const permission = this.permissions.find((p) =>
      p.tool?.callID === part.callID
    );
    const outcome = toolOutcome(state, {
      waiting: permission !== undefined,
      interrupted: this.interrupted.has(part.id),
    });
    const { label, badge } = toolOutcomeLook(outcome);
    const summary = toolSummary(part);
    const output = toolOutput(state);
    const input = state.input;
    const hasInput = Object.keys(input).length > 0;
    return html`
      <div
        data-part="tool"
        data-tool=${part.tool}
        data-status=${status}
        data-outcome=${outcome}
      >
            <details class="group rounded-lg border border-gray-800 bg-gray-950/50">
              <summary
                class="flex min-h-11 cursor-pointer list-none items-center gap-2 px-3 py-2 text-sm hover:bg-gray-800/40 [&::-webkit-details-marker]:hidden"
                aria-label="Tool ${part.tool}: ${summary} (${label})"
              >
                <span class="text-gray-400 transition-transform group-open:rotate-90">${icon(
                  "chevron",
                  "size-3.5",
                )}</span>
                <span class="text-gray-400">${icon(
                  part.tool === "bash" ? "terminal" : "wrench",
                  "size-3.5",
                )}</span>
                <span class="font-mono text-xs font-semibold text-gray-200">${part
                  .tool}</span>
                <span class="min-w-0 flex-1 truncate font-mono text-xs text-gray-400">${summary}</span>
                <span
                  class="shrink-0 rounded-full px-2 py-0.5 text-[11px] font-medium ${badge} ${outcome ===
                      "running"
                    ? "animate-pulse"
                    : ""}"
                >${label}</span>
              </summary>
              <div class="space-y-2 border-t border-gray-800 px-3 py-2.5">
                ${hasInput
                  ? html`
                    <div>
                      <p
                        class="mb-1 text-[11px] font-medium uppercase tracking-wide text-gray-400">Input</p>
                      <pre
                        data-tool-input
                        class="max-h-60 overflow-auto rounded-md bg-black/50 p-2 font-mono text-xs text-gray-300"
                      >${formatValue(input)}</pre>
                    </div>
                  `
                  : nothing}
                ${output
                  ? html`
                    <div>
                      <p
                        class="mb-1 text-[11px] font-medium uppercase tracking-wide text-gray-400">Output</p>
                      <pre
                        data-tool-output
                        class="max-h-80 overflow-auto whitespace-pre-wrap break-words rounded-md bg-black/50 p-2 font-mono text-xs text-gray-200"
                      >${output}</pre>
                    </div>
                  `
                  : nothing}
                ${state.status === "error"
                  ? html`
                    <p data-tool-error
                      class="rounded-md p-2 font-mono text-xs ${outcome ===
                          "failed"
                        ? "bg-red-500/10 text-red-300"
                        : "bg-gray-800/60 text-gray-300"}">${state
                        .error || "The tool failed"}</p>
                  `
                  : nothing}
                ${!hasInput && !output && state.status !== "error"
                  ? html`<p class="text-xs text-gray-400">Waiting for input…</p>`
                  : nothing}
              </div>
            </details>
            ${permission
              ? html`
                <permission-prompt class="mt-2 block"
                  .permission=${permission}></permission-prompt>
              `
              : nothing}
          </div>
    `;
  }

  override render() {
    const m = this.message;
    if (!m) return nothing;
    if (m.info.role === "user") {
      const text = m.parts
        .flatMap((p) =>
          p.type === "text" && !p.synthetic && p.text ? [p.text] : []
        )
        .join("\n\n");
      return html`
        <div class="flex justify-end" data-role="user" data-message-id=${m
          .info.id}>
          <div
            class="max-w-[85%] whitespace-pre-wrap break-words rounded-2xl rounded-br-md bg-indigo-600 px-4 py-2.5 text-[15px] leading-relaxed text-white shadow-sm"
          >${text}</div>
        </div>
        <message-actions class="mt-1 block" session-id=${m.info
          .sessionID}
          message-id=${m.info.id}></message-actions>
      `;
    }
    const error = m.info.error;
    const inlinePermissions = this.permissions.filter((p) =>
      !m.parts.some((part) =>
        part.type === "tool" && part.callID === p.tool?.callID
      )
    );
    const empty = !m.parts.some((p) =>
      (p.type === "text" && p.text) || p.type === "tool" ||
      (p.type === "reasoning" && p.text.trim())
    );
    return html`
      <div class="flex gap-3" data-role="assistant" data-message-id=${m
        .info.id}>
        ${this.continued
          ? html`<div class="w-7 shrink-0" aria-hidden="true"></div>`
          : html`
            <div
              class="mt-0.5 grid size-7 shrink-0 place-items-center rounded-full bg-gradient-to-br from-indigo-500 to-violet-600 text-[11px] font-bold text-white"
              aria-hidden="true"
            >AI</div>
          `}
        <div
          class="min-w-0 flex-1 space-y-2.5 text-[15px] leading-relaxed text-gray-100">
              ${repeat(m.parts, (p) => p.id, (p) => this.#renderPart(p))}
              ${inlinePermissions.map((p) =>
                html`<permission-prompt class="block" .permission=${p}></permission-prompt>`
              )}
              ${empty && this.working && !error
                ? html`
                  <p class="flex items-center gap-1 text-gray-400" aria-label="Thinking">
                    <span class="size-1.5 animate-bounce rounded-full bg-gray-500"></span>
                    <span
                      class="size-1.5 animate-bounce rounded-full bg-gray-500 [animation-delay:150ms]"></span>
                    <span
                      class="size-1.5 animate-bounce rounded-full bg-gray-500 [animation-delay:300ms]"></span>
                  </p>
                `
                : nothing}
              ${error
                ? html`
                  <div
                    role="alert"
                    data-message-error=${error.name}
                    class="flex items-start gap-2 rounded-lg border px-3 py-2 text-sm ${error
                        .name === "MessageAbortedError"
                      ? "border-gray-700 bg-gray-800/50 text-gray-300"
                      : "border-red-500/40 bg-red-500/10 text-red-200"}"
                  >
                    <span class="mt-0.5">${icon(
                      error.name === "MessageAbortedError" ? "stop" : "alert",
                    )}</span>
                    <span>${error.name === "MessageAbortedError"
                      ? "Aborted"
                      : html`${error.name}${
                        errorText(error) !== error.name
                          ? html`: ${errorText(error)}`
                          : nothing
                      }`}</span>
                  </div>
                `
                : nothing}
              ${this.aborted && !error
                ? html`
                  <div
                    role="status"
                    data-mark="aborted"
                    class="flex items-start gap-2 rounded-lg border border-gray-700 bg-gray-800/50 px-3 py-2 text-sm text-gray-300"
                  ><span class="mt-0.5">${icon(
                    "stop",
                  )}</span><span>Aborted</span></div>
                `
                : nothing}
              <reply-footer .info=${m.info}></reply-footer>
            </div>
      </div>
    `;
  }
}

customElements.define("message-item", MessageItem);

declare global {
  interface HTMLElementTagNameMap {
    "message-item": MessageItem;
  }
}
