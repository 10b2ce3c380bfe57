/**
 * A fake OpenAI-compatible model for driving a real `opencode serve` offline:
 * `POST /v1/chat/completions` with SSE streaming and tool calls, served
 * in-process by `Deno.serve` on 127.0.0.1.
 *
 * What it answers is decided by `fake_answers.ts` (the table of cues is
 * there, workflow roles in `fake_model_roles.ts`); this module serves it:
 * one chunk per token, tool-call arguments in pieces, errors as HTTP
 * statuses. A test can also hold matching requests until it releases them
 * ({@linkcode FakeModel.hold}) or script the next answers
 * ({@linkcode FakeModel.answerNext}).
 *
 * @module
 */
import {
  conversationOf,
  decideAnswer,
  type FakeAnswer,
  isTitleRequest,
  tokenize,
} from "./fake_answers.ts";

export {
  decideAnswer,
  FAKE_BASH_COMMAND,
  FAKE_HTML_REPLY,
  FAKE_TITLE,
  type FakeAnswer,
  fakeReply,
  tokenize,
  toolFinishedReply,
} from "./fake_answers.ts";
export { longReply } from "./long_reply.ts";

export type {
  FakeHold,
  FakeModel,
  FakeModelOptions,
  FakeModelRequest,
} from "./fake_model_types.ts";
import type {
  FakeModel,
  FakeModelOptions,
  FakeModelRequest,
} from "./fake_model_types.ts";

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
  const holds: {
    prompt: RegExp;
    released: boolean;
    count: number;
    gate: PromiseWithResolvers<void>;
    reached: PromiseWithResolvers<FakeModelRequest>;
  }[] = [];
  const scripts: { prompt: RegExp; answer: FakeAnswer; left: number }[] = [];
  const stopped = Promise.withResolvers<void>();
  closing.signal.addEventListener("abort", () => stopped.resolve(), {
    once: true,
  });

  /** The scripted answer for a prompt, if one is left. */
  const scripted = (prompt: string): FakeAnswer | undefined => {
    const script = scripts.find((s) => s.left > 0 && s.prompt.test(prompt));
    if (script === undefined) return undefined;
    script.left -= 1;
    return script.answer;
  };

  /** Waits while a hold matches the request (or until close). */
  const held = async (record: FakeModelRequest) => {
    for (const hold of holds) {
      if (hold.released || !hold.prompt.test(record.userText)) continue;
      hold.count += 1;
      hold.reached.resolve(record);
      await Promise.race([hold.gate.promise, stopped.promise]);
    }
  };

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
    const conversation = conversationOf(body);
    const agent = !isTitleRequest(conversation) && conversation.tools.size > 0;
    const answer = (agent ? scripted(conversation.userText) : undefined) ??
      decideAnswer(body, { slowDelayMs, cwd: Deno.cwd() });
    const record: FakeModelRequest = {
      path: url.pathname,
      stream: body.stream === true,
      lastText: conversation.lastText,
      lastRole: conversation.lastRole,
      userText: conversation.userText,
      system: conversation.system,
      tools: [...conversation.tools],
      answer,
    };
    requests.push(record);
    if (agent) await held(record);
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
    hold(prompt) {
      const hold = {
        prompt,
        released: false,
        count: 0,
        gate: Promise.withResolvers<void>(),
        reached: Promise.withResolvers<FakeModelRequest>(),
      };
      holds.push(hold);
      return {
        reached: hold.reached.promise,
        get count() {
          return hold.count;
        },
        release() {
          hold.released = true;
          hold.gate.resolve();
        },
      };
    },
    answerNext(prompt, answer, times = 1) {
      scripts.push({
        prompt,
        answer: typeof answer === "string"
          ? { kind: "text", text: answer }
          : answer,
        left: times,
      });
    },
    close,
    [Symbol.asyncDispose]: close,
  });
}
