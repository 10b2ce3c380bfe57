/**
 * What the fake model answers (pure): the cues a prompt can carry and the
 * replies they get. `fake_model.ts` serves these answers over HTTP.
 *
 * The answer is decided from the last message of the request:
 *
 * | trigger | answer |
 * |---|---|
 * | a title-generation request (no tools, title system prompt) | {@linkcode FAKE_TITLE} |
 * | a workflow prompt (`fake_model_roles.ts`) | the role's answer (tool calls, then its reply) |
 * | the last message is a tool result | {@linkcode toolFinishedReply} |
 * | `use bash` / `use bash: <cmd>` (bash offered) | a `bash` tool call (`echo flock-tool-ok` / `<cmd>`) |
 * | `use read <path>` (read offered) | a `read` tool call |
 * | `failNNN` | HTTP NNN (5xx: OpenCode retries; 4xx: session error) |
 * | `say-html` | {@linkcode FAKE_HTML_REPLY} (for XSS tests) |
 * | `long-reply <count> [plain\|markdown] [<n>/s]` | `longReply` (`long_reply.ts`): exactly `count` tokens, as fast as possible or `n` per second |
 * | `use question` / `use question multiple` / `use questions` / `use todo` / `use task [slow\|question]` (tool offered) | a `question`, `todowrite` or `task` call (`fake_model_agent_tools.ts`) |
 * | `slow` anywhere | the default reply at `slowDelayMs` per token |
 * | anything else | {@linkcode fakeReply} |
 *
 * To add a cue: add a row to this table, decide it in
 * {@linkcode decideAnswer} (before the catch-all default), and put any text
 * it needs in a module of its own when it is more than a line or two (as
 * `long_reply.ts` does).
 *
 * @module
 */
import { agentToolAnswer } from "./fake_model_agent_tools.ts";
import { workflowAnswer } from "./fake_model_roles.ts";
import { longReplyTokens, parseLongReplyCue } from "./long_reply.ts";

/** The title the fake model gives every session. */
export const FAKE_TITLE = "Fake title";

/** The command of a bare `use bash`. */
export const FAKE_BASH_COMMAND = "echo flock-tool-ok";

/** The reply to `say-html`: raw HTML that a client must never execute. */
export const FAKE_HTML_REPLY =
  "<img src=x onerror=alert(1)><script>alert(2)</script> done";

/**
 * The default reply to a user text.
 *
 * @example
 * ```ts
 * fakeReply("hello"); // "Hello! I am the fake model. You said: hello"
 * ```
 */
export function fakeReply(userText: string): string {
  const said = userText.replace(/\s+/g, " ").trim().slice(0, 200);
  return `Hello! I am the fake model. You said: ${said}`;
}

/** The reply after a tool result came back. */
export function toolFinishedReply(toolOutput: string): string {
  const out = toolOutput.replace(/\s+/g, " ").slice(0, 80);
  return `Tool finished. Output was: ${out}`;
}

/** What the fake model decided for one request. */
export type FakeAnswer =
  | {
    kind: "text";
    text: string;
    delayMs?: number;
    /** Streams these tokens (they join to `text`) instead of `text`'s words. */
    tokens?: readonly string[];
    /**
     * Streams at this many tokens per second (`Infinity`: as fast as
     * possible) instead of one token per delay.
     */
    perSecond?: number;
  }
  | { kind: "tool"; name: string; args: Record<string, unknown> }
  | { kind: "error"; status: number; text: string };

/** A chat message of the OpenAI API (the fields read here). */
export interface ChatMessage {
  role?: unknown;
  content?: unknown;
}

/** The text of a message's content (a string or text parts). */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((p: unknown) => {
      if (typeof p === "string") return p;
      if (typeof p === "object" && p !== null) {
        const text = (p as { text?: unknown }).text;
        return typeof text === "string" ? text : "";
      }
      return "";
    }).join("");
  }
  return "";
}

/** The names of the tools a request offers. */
export function toolNamesOf(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools.flatMap((t: unknown) => {
    const name = (t as { function?: { name?: unknown } } | null)?.function
      ?.name;
    return typeof name === "string" ? [name] : [];
  });
}

/** The parts of a chat request the answers depend on. */
export interface Conversation {
  /** Every system message's text, joined. */
  system: string;
  /** The role of the last message. */
  lastRole: string;
  /** The text of the last message. */
  lastText: string;
  /** The text of the last user message: the prompt being answered. */
  userText: string;
  /** The results of tool calls made since that user message, in order. */
  toolResults: string[];
  /** The tool names offered. */
  tools: Set<string>;
  /** The working directory OpenCode names in its system prompt, if any. */
  cwd: string | null;
}

/** Reads the parts of a chat-completions body that answers depend on. */
export function conversationOf(
  body: { messages?: unknown; tools?: unknown },
): Conversation {
  const messages = Array.isArray(body.messages)
    ? body.messages.filter((m: unknown): m is ChatMessage =>
      typeof m === "object" && m !== null
    )
    : [];
  const last: ChatMessage = messages.at(-1) ?? {};
  const system = messages.filter((m) => m.role === "system")
    .map((m) => textOf(m.content)).join("\n");
  const lastUser = messages.findLastIndex((m) => m.role === "user");
  return {
    system,
    lastRole: typeof last.role === "string" ? last.role : "",
    lastText: textOf(last.content),
    userText: lastUser >= 0 ? textOf(messages[lastUser]!.content) : "",
    toolResults: messages.slice(lastUser + 1)
      .filter((m) => m.role === "tool").map((m) => textOf(m.content)),
    tools: new Set(toolNamesOf(body.tools)),
    cwd: /Working directory:\s*(\/\S*)/.exec(system)?.[1] ?? null,
  };
}

/** Whether the request is OpenCode's title generation (no tools, a title system prompt). */
export function isTitleRequest(conversation: Conversation): boolean {
  return /title generator|generate a title|short title/i.test(
    conversation.system,
  ) && conversation.tools.size === 0;
}

/**
 * Decides the answer to a chat-completions body (pure).
 *
 * @param cwd Used for the default path of `use read`, and as the
 * repository of workflow roles when OpenCode's system prompt names none.
 */
export function decideAnswer(
  body: { messages?: unknown; tools?: unknown },
  options: { slowDelayMs: number; cwd: string },
): FakeAnswer {
  const conversation = conversationOf(body);
  if (isTitleRequest(conversation)) return { kind: "text", text: FAKE_TITLE };
  const role = workflowAnswer(conversation, options.cwd);
  if (role !== null) return role;
  const { tools, lastText: userText } = conversation;
  if (conversation.lastRole === "tool") {
    return { kind: "text", text: toolFinishedReply(userText) };
  }
  const agentTool = agentToolAnswer(userText, tools);
  if (agentTool) return agentTool;
  if (/use bash/i.test(userText) && tools.has("bash")) {
    const match = /use bash:\s*(.+)$/im.exec(userText);
    return {
      kind: "tool",
      name: "bash",
      args: {
        command: match?.[1]?.trim() ?? FAKE_BASH_COMMAND,
        description: "Run a shell command",
      },
    };
  }
  if (/use read/i.test(userText) && tools.has("read")) {
    const match = /use read\s+(\S+)/i.exec(userText);
    return {
      kind: "tool",
      name: "read",
      args: { filePath: match?.[1] ?? `${options.cwd}/hello.txt` },
    };
  }
  const fail = /fail(\d{3})/i.exec(userText);
  if (fail?.[1]) {
    return {
      kind: "error",
      status: Number(fail[1]),
      text: `fake-model: simulated upstream failure ${fail[1]}`,
    };
  }
  const long = parseLongReplyCue(userText);
  if (long) {
    const tokens = longReplyTokens(long.count, long.flavour);
    return {
      kind: "text",
      text: tokens.join(""),
      tokens,
      perSecond: long.perSecond,
    };
  }
  if (/say-html/i.test(userText)) {
    return { kind: "text", text: FAKE_HTML_REPLY };
  }
  return /slow/i.test(userText)
    ? { kind: "text", text: fakeReply(userText), delayMs: options.slowDelayMs }
    : { kind: "text", text: fakeReply(userText) };
}

/** Splits text into word-sized tokens (word plus following space). */
export function tokenize(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}
