import assert from "node:assert/strict";
import {
  decideAnswer,
  FAKE_BASH_COMMAND,
  FAKE_CODE_REPLY,
  FAKE_HTML_REPLY,
  FAKE_TITLE,
  fakeReply,
  longReply,
  startFakeModel,
  tokenize,
  toolFinishedReply,
} from "./fake_model.ts";

import {
  longReplyTokenCountFor,
  longReplyTokens,
  parseLongReplyCue,
  plainLongReplyLines,
} from "./long_reply.ts";

const opts = { slowDelayMs: 400, cwd: "/w" };
const user = (text: string, tools = ["bash", "read"]) => ({
  messages: [{ role: "system", content: "You are an agent" }, {
    role: "user",
    content: [{ type: "text", text }],
  }],
  tools: tools.map((name) => ({ type: "function", function: { name } })),
});

Deno.test("decideAnswer: the default reply and the magic words", () => {
  assert.deepEqual(decideAnswer(user("hello  there"), opts), {
    kind: "text",
    text: "Hello! I am the fake model. You said: hello there",
  });
  assert.equal(
    fakeReply(" a\n b "),
    "Hello! I am the fake model. You said: a b",
  );
  assert.deepEqual(decideAnswer(user("slow please"), opts), {
    kind: "text",
    text: fakeReply("slow please"),
    delayMs: 400,
  });
  assert.deepEqual(decideAnswer(user("say-html"), opts), {
    kind: "text",
    text: FAKE_HTML_REPLY,
  });
  assert.deepEqual(decideAnswer(user("say-code please"), opts), {
    kind: "text",
    text: FAKE_CODE_REPLY,
  });
  assert.deepEqual(decideAnswer(user("now fail503"), opts), {
    kind: "error",
    status: 503,
    text: "fake-model: simulated upstream failure 503",
  });
});

Deno.test("decideAnswer: tool calls only when the tool is offered", () => {
  assert.deepEqual(decideAnswer(user("use bash"), opts), {
    kind: "tool",
    name: "bash",
    args: { command: FAKE_BASH_COMMAND, description: "Run a shell command" },
  });
  assert.deepEqual(decideAnswer(user("use bash: sleep 60"), opts), {
    kind: "tool",
    name: "bash",
    args: { command: "sleep 60", description: "Run a shell command" },
  });
  assert.deepEqual(decideAnswer(user("use read /etc/hostname"), opts), {
    kind: "tool",
    name: "read",
    args: { filePath: "/etc/hostname" },
  });
  assert.deepEqual(decideAnswer(user("use read"), opts), {
    kind: "tool",
    name: "read",
    args: { filePath: "/w/hello.txt" },
  });
  assert.equal(decideAnswer(user("use bash", []), opts).kind, "text");
});

Deno.test("decideAnswer: tool results and titles", () => {
  assert.deepEqual(
    decideAnswer(
      { messages: [{ role: "tool", content: "flock-tool-ok\n" }] },
      opts,
    ),
    { kind: "text", text: toolFinishedReply("flock-tool-ok\n") },
  );
  assert.equal(toolFinishedReply("a\nb"), "Tool finished. Output was: a b");
  assert.deepEqual(
    decideAnswer({
      messages: [
        { role: "system", content: "You are a title generator." },
        { role: "user", content: "hello" },
      ],
    }, opts),
    { kind: "text", text: FAKE_TITLE },
  );
});

Deno.test("tokenize keeps every character", () => {
  const text = fakeReply("hi  there");
  assert.equal(tokenize(text).join(""), text);
  assert.ok(tokenize(text).length > 5);
});

async function streamedText(
  response: Response,
): Promise<{ text: string; tool: string }> {
  let text = "";
  let tool = "";
  for (const block of (await response.text()).split("\n\n")) {
    const data = block.replace(/^data: /, "").trim();
    if (data === "" || data === "[DONE]") continue;
    const chunk = JSON.parse(data) as {
      choices: Array<
        {
          delta: {
            content?: string;
            tool_calls?: Array<{ function: { arguments?: string } }>;
          };
        }
      >;
    };
    const delta = chunk.choices[0]?.delta;
    text += delta?.content ?? "";
    tool += delta?.tool_calls?.[0]?.function.arguments ?? "";
  }
  return { text, tool };
}

Deno.test("startFakeModel: streams the reply and records requests", async () => {
  await using model = await startFakeModel({ tokenDelayMs: 1 });
  const post = (body: unknown) =>
    fetch(`${model.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const res = await post({ ...user("hello"), stream: true });
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  assert.deepEqual(await streamedText(res), {
    text: fakeReply("hello"),
    tool: "",
  });

  const tool = await post({ ...user("use bash: ls"), stream: true });
  assert.deepEqual(JSON.parse((await streamedText(tool)).tool), {
    command: "ls",
    description: "Run a shell command",
  });

  const sync = await post(user("hi"));
  const json = await sync.json() as {
    choices: Array<{ message: { content: string } }>;
  };
  assert.equal(json.choices[0]?.message.content, fakeReply("hi"));

  const failed = await post({ ...user("fail500"), stream: true });
  assert.equal(failed.status, 500);
  await failed.body?.cancel();

  const models = await fetch(`${model.baseURL}/models`);
  assert.equal(
    ((await models.json()) as { data: Array<{ id: string }> }).data[0]?.id,
    "fake-model",
  );

  assert.equal(model.requests.length, 4);
  assert.equal(model.requests[0]?.lastText, "hello");
  assert.deepEqual(model.requests[0]?.tools, ["bash", "read"]);
});

Deno.test("startFakeModel: close ends a slow stream", async () => {
  // An hour per token: only close() can end this stream (an unended one
  // hangs the test and leaks its timer, which the sanitizer reports).
  const model = await startFakeModel({ slowDelayMs: 3_600_000 });
  const res = await fetch(`${model.baseURL}/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ ...user("slow"), stream: true }),
  });
  const text = res.text();
  await model.close();
  const chunks = (await text).split("\n\n").filter((c) => c !== "");
  assert.equal(chunks.at(-1), "data: [DONE]");
  const contents = chunks.slice(0, -1).map((c) =>
    (JSON.parse(c.slice("data: ".length)) as {
      choices: Array<{ delta?: { content?: string } }>;
    }).choices[0]?.delta?.content ?? ""
  );
  // The token in flight at close may still go out; the rest of the reply
  // does not.
  const sent = contents.filter((c) => c !== "");
  assert.ok(tokenize(fakeReply("slow")).length > 2);
  assert.ok(sent.length <= 1, `sent after close: ${JSON.stringify(sent)}`);
});

Deno.test("long-reply: the cue, its tokens and its text", () => {
  assert.deepEqual(parseLongReplyCue("please long-reply 2000"), {
    count: 2000,
    flavour: "plain",
    perSecond: Infinity,
  });
  assert.deepEqual(parseLongReplyCue("long-reply 50 Markdown 300/s"), {
    count: 50,
    flavour: "markdown",
    perSecond: 300,
  });
  assert.equal(parseLongReplyCue("long-reply 0"), null);
  assert.equal(parseLongReplyCue("a long reply"), null);
  const answer = decideAnswer(user("long-reply 2000"), opts);
  assert.equal(answer.kind, "text");
  if (answer.kind !== "text") return;
  assert.equal(answer.tokens?.length, 2000);
  assert.equal(answer.text, longReply(2000));
  assert.equal(answer.perSecond, Infinity);
  for (const flavour of ["plain", "markdown"] as const) {
    const tokens = longReplyTokens(777, flavour);
    assert.equal(tokens.length, 777);
    assert.ok(tokens.every((t) => t !== ""));
    const text = tokens.join("");
    assert.equal(text, text.trimEnd());
    // every word is numbered once, in order
    const numbers = [...text.matchAll(/[a-z]+(\d+)/g)].map((m) => Number(m[1]));
    assert.deepEqual(numbers, numbers.toSorted((a, b) => a - b));
    assert.equal(new Set(numbers).size, numbers.length);
  }
  assert.ok(longReply(3000, "markdown").includes("```ts\n"));
  assert.equal(
    plainLongReplyLines(100),
    longReply(100).replaceAll("\n\n", "\n"),
  );
  const count = longReplyTokenCountFor(200_000, "markdown");
  assert.ok(longReply(count, "markdown").length >= 200_000);
  assert.ok(longReply(count - 1, "markdown").length < 200_000);
});

Deno.test("startFakeModel: a long reply streams one chunk per token", async () => {
  await using model = await startFakeModel();
  for (const cue of ["long-reply 2500", "long-reply 40 markdown 2000/s"]) {
    const res = await fetch(`${model.baseURL}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ ...user(cue), stream: true }),
    });
    const body = await res.text();
    const expected = parseLongReplyCue(cue)!;
    const contents = body.split("\n\n").filter((c) => c.startsWith("data: {"))
      .map((c) =>
        (JSON.parse(c.slice("data: ".length)) as {
          choices: Array<{ delta?: { content?: string } }>;
        }).choices[0]?.delta?.content ?? ""
      ).filter((c) => c !== "");
    assert.deepEqual(
      contents,
      longReplyTokens(expected.count, expected.flavour),
    );
  }
});
