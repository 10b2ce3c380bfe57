/**
 * A fake OpenAI-compatible model for driving a real `opencode serve` offline:
 * `POST /v1/chat/completions` with SSE streaming and tool calls, served
 * in-process by `Deno.serve` on 127.0.0.1.
 *
 * What it answers is decided from the last message of the request:
 *
 * | trigger | answer |
 * |---|---|
 * | the last message is a tool result | {@linkcode toolFinishedReply} |
 * | a title-generation request (no tools, title system prompt) | {@linkcode FAKE_TITLE} |
 * | `use bash` / `use bash: <cmd>` (bash offered) | a `bash` tool call (`echo flock-tool-ok` / `<cmd>`) |
 * | `use read <path>` (read offered) | a `read` tool call |
 * | `failNNN` | HTTP NNN (5xx: OpenCode retries; 4xx: session error) |
 * | `say-html` | {@linkcode FAKE_HTML_REPLY} (for XSS tests) |
 * | `long-reply <count> [plain\|markdown] [<n>/s]` | {@linkcode longReply}: exactly `count` tokens, as fast as possible or `n` per second |
 * | `slow` anywhere | the default reply at `slowDelayMs` per token |
 * | anything else | {@linkcode fakeReply} |
 *
 * @module
 */
import { longReplyTokens, parseLongReplyCue } from "./long_reply.ts";

export { longReply } from "./long_reply.ts";

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

/** One request the fake model received. */
export interface FakeModelRequest {
  path: string;
  stream: boolean;
  /** The text of the last message. */
  lastText: string;
  /** The role of the last message. */
  lastRole: string;
  /** The tool names offered. */
  tools: string[];
  answer: FakeAnswer;
}

/** Options for {@linkcode startFakeModel}. */
export interface FakeModelOptions {
  /** Delay between streamed tokens, in ms. Default 20. */
  tokenDelayMs?: number;
  /** Delay between tokens when the text says `slow`, in ms. Default 400. */
  slowDelayMs?: number;
}

/** A running fake model. */
export interface FakeModel extends AsyncDisposable {
  /** The origin, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** The OpenAI base URL to configure: `<url>/v1`. */
  readonly baseURL: string;
  /** Every chat request so far, in order. */
  readonly requests: FakeModelRequest[];
  /** Ends open streams and stops the server. */
  close(): Promise<void>;
}

interface ChatMessage {
  role?: unknown;
  content?: unknown;
}

function textOf(content: unknown): string {
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

function toolNamesOf(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools.flatMap((t: unknown) => {
    const name = (t as { function?: { name?: unknown } } | null)?.function
      ?.name;
    return typeof name === "string" ? [name] : [];
  });
}

/**
 * Decides the answer to a chat-completions body (pure).
 *
 * @param cwd Used for the default path of `use read`.
 */
export function decideAnswer(
  body: { messages?: unknown; tools?: unknown },
  options: { slowDelayMs: number; cwd: string },
): FakeAnswer {
  const messages =
    (Array.isArray(body.messages) ? body.messages : []) as ChatMessage[];
  const last: ChatMessage = messages.at(-1) ?? {};
  const system = messages.filter((m) => m.role === "system")
    .map((m) => textOf(m.content)).join("\n");
  const tools = new Set(toolNamesOf(body.tools));
  if (last.role === "tool") {
    return { kind: "text", text: toolFinishedReply(textOf(last.content)) };
  }
  const userText = textOf(last.content);
  if (
    /title generator|generate a title|short title/i.test(system) &&
    tools.size === 0
  ) {
    return { kind: "text", text: FAKE_TITLE };
  }
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

const MODEL = "fake-model";
const encoder = new TextEncoder();

/**
 * Starts the fake model on 127.0.0.1 with a free port.
 *
 * @example
 * ```ts
 * await using model = await startFakeModel();
 * // configure OpenCode with model.baseURL
 * ```
 */
export function startFakeModel(
  options: FakeModelOptions = {},
): Promise<FakeModel> {
  const tokenDelayMs = options.tokenDelayMs ?? 20;
  const slowDelayMs = options.slowDelayMs ?? 400;
  const requests: FakeModelRequest[] = [];
  const closing = new AbortController();
  let counter = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (closing.signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        closing.signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      closing.signal.addEventListener("abort", done, { once: true });
    });

  /**
   * Sends `tokens` at `perSecond` (in 10 ms ticks), or as fast as possible
   * (100 tokens per turn of the event loop) when it is not finite.
   */
  async function paced(
    tokens: readonly string[],
    perSecond: number,
    send: (token: string) => void,
    stopped: () => boolean,
  ): Promise<void> {
    const started = performance.now();
    let sent = 0;
    while (sent < tokens.length && !stopped()) {
      const due = Number.isFinite(perSecond)
        ? Math.floor((performance.now() - started) * perSecond / 1000) + 1
        : sent + 100;
      for (; sent < Math.min(due, tokens.length); sent++) {
        send(tokens[sent] as string);
      }
      await sleep(Number.isFinite(perSecond) ? 10 : 0);
    }
  }

  const chunk = (id: string, delta: unknown, finish: string | null = null) =>
    `data: ${
      JSON.stringify({
        id,
        object: "chat.completion.chunk",
        created: Math.floor(Date.now() / 1000),
        model: MODEL,
        choices: [{ index: 0, delta, finish_reason: finish }],
      })
    }\n\n`;

  const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

  function stream(answer: FakeAnswer, n: number): Response {
    const id = `chatcmpl-fake-${n}`;
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        const write = (s: string) => {
          if (!cancelled) controller.enqueue(encoder.encode(s));
        };
        const stopped = () => cancelled || closing.signal.aborted;
        write(chunk(id, { role: "assistant", content: "" }));
        if (answer.kind === "tool") {
          const callId = `call_${n}`;
          write(chunk(id, {
            tool_calls: [{
              index: 0,
              id: callId,
              type: "function",
              function: { name: answer.name, arguments: "" },
            }],
          }));
          const args = JSON.stringify(answer.args);
          for (let i = 0; i < args.length && !stopped(); i += 12) {
            await sleep(tokenDelayMs / 2);
            write(chunk(id, {
              tool_calls: [{
                index: 0,
                function: { arguments: args.slice(i, i + 12) },
              }],
            }));
          }
          write(chunk(id, {}, "tool_calls"));
        } else if (answer.kind === "text") {
          const tokens = answer.tokens ?? tokenize(answer.text);
          const send = (token: string) => write(chunk(id, { content: token }));
          if (answer.perSecond !== undefined) {
            await paced(tokens, answer.perSecond, send, stopped);
          } else {
            for (const token of tokens) {
              if (stopped()) break;
              await sleep(answer.delayMs ?? tokenDelayMs);
              send(token);
            }
          }
          write(chunk(id, {}, "stop"));
        }
        write(
          `data: ${
            JSON.stringify({
              id,
              object: "chat.completion.chunk",
              created: Math.floor(Date.now() / 1000),
              model: MODEL,
              choices: [],
              usage,
            })
          }\n\n`,
        );
        write("data: [DONE]\n\n");
        if (!cancelled) controller.close();
      },
      cancel() {
        cancelled = true;
      },
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
      },
    });
  }

  function complete(answer: FakeAnswer, n: number): Response {
    const message = answer.kind === "tool"
      ? {
        role: "assistant",
        content: null,
        tool_calls: [{
          id: `call_${n}`,
          type: "function",
          function: {
            name: answer.name,
            arguments: JSON.stringify(answer.args),
          },
        }],
      }
      : {
        role: "assistant",
        content: answer.kind === "text" ? answer.text : "",
      };
    return Response.json({
      id: `chatcmpl-fake-${n}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: MODEL,
      choices: [{
        index: 0,
        message,
        finish_reason: answer.kind === "tool" ? "tool_calls" : "stop",
      }],
      usage,
    });
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.replace(/^\/v1/, "");
    if (request.method === "GET" && path === "/models") {
      return Response.json({
        object: "list",
        data: [{ id: MODEL, object: "model", owned_by: "fake" }],
      });
    }
    if (request.method === "GET" && path === "/health") {
      return Response.json({ ok: true, requests: requests.length });
    }
    if (request.method !== "POST" || path !== "/chat/completions") {
      await request.body?.cancel();
      return Response.json({
        error: {
          message: `fake-model: no route ${request.method} ${url.pathname}`,
        },
      }, { status: 404 });
    }
    let body: { messages?: unknown; tools?: unknown; stream?: unknown };
    try {
      body = await request.json();
    } catch {
      return Response.json({ error: { message: "fake-model: bad JSON" } }, {
        status: 400,
      });
    }
    const answer = decideAnswer(body, { slowDelayMs, cwd: Deno.cwd() });
    const messages = Array.isArray(body.messages)
      ? body.messages as ChatMessage[]
      : [];
    const last = messages.at(-1) ?? {};
    requests.push({
      path: url.pathname,
      stream: body.stream === true,
      lastText: textOf(last.content),
      lastRole: typeof last.role === "string" ? last.role : "",
      tools: toolNamesOf(body.tools),
      answer,
    });
    const n = ++counter;
    if (answer.kind === "error") {
      return Response.json({
        error: {
          message: answer.text,
          type: "server_error",
          code: "fake_failure",
        },
      }, { status: answer.status });
    }
    return body.stream === true ? stream(answer, n) : complete(answer, n);
  }

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    handle,
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      closing.abort();
      await server.shutdown();
    })();
    return closed;
  };
  return Promise.resolve({
    url,
    baseURL: `${url}/v1`,
    requests,
    close,
    [Symbol.asyncDispose]: close,
  });
}
