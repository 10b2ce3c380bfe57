import { assertEquals, assertMatch } from "../testing/assert.ts";
import { toResponse } from "./errors.ts";
import { readJson, validate } from "./json_body.ts";

const schema = {
  name: { type: "string", maxLength: 10 },
  count: { type: "number", optional: true, integer: true },
  mode: { type: "string", optional: true, enum: ["a", "b"] },
} as const;

async function withServer(fn: (url: string) => Promise<void>): Promise<void> {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      try {
        const body = validate(await readJson(req, { maxBytes: 1024 }), schema);
        return Response.json({ got: body });
      } catch (error) {
        return toResponse(error);
      }
    },
  );
  try {
    await fn(`http://127.0.0.1:${server.addr.port}/`);
  } finally {
    await server.shutdown();
  }
}

async function post(
  url: string,
  body: BodyInit,
  type: string | null = "application/json",
) {
  const headers = new Headers();
  if (type) headers.set("content-type", type);
  const res = await fetch(url, { method: "POST", body, headers });
  return { status: res.status, json: await res.json() };
}

Deno.test("JSON bodies over real HTTP: each bad input is a JSON 4xx", async () => {
  await withServer(async (url) => {
    const ok = await post(url, JSON.stringify({ name: "x", count: 2 }));
    assertEquals(ok, { status: 200, json: { got: { name: "x", count: 2 } } });

    const cases: [BodyInit, string | null, number, string][] = [
      ["{bad json", "application/json", 400, "bad_json"],
      ["", "application/json", 400, "bad_json"],
      [
        JSON.stringify({ name: "x" }),
        "text/plain",
        415,
        "unsupported_media_type",
      ],
      [JSON.stringify({ name: "x" }), null, 415, "unsupported_media_type"],
      ["[1,2]", "application/json", 400, "invalid_body"],
      ["null", "application/json", 400, "invalid_body"],
      [JSON.stringify({ name: 5 }), "application/json", 400, "invalid_field"],
      [
        JSON.stringify({ name: "x", extra: 1 }),
        "application/json",
        400,
        "unknown_field",
      ],
      [JSON.stringify({}), "application/json", 400, "missing_field"],
      [
        JSON.stringify({ name: "x".repeat(11) }),
        "application/json",
        400,
        "invalid_field",
      ],
      [
        JSON.stringify({ name: "x", count: 1.5 }),
        "application/json",
        400,
        "invalid_field",
      ],
      [
        JSON.stringify({ name: "x", mode: "c" }),
        "application/json",
        400,
        "invalid_field",
      ],
      [
        JSON.stringify({ name: "x".repeat(2000) }),
        "application/json",
        413,
        "payload_too_large",
      ],
      [
        new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
        "application/json",
        400,
        "bad_json",
      ],
    ];
    for (const [body, type, status, code] of cases) {
      const res = await post(url, body, type);
      assertEquals(
        res.status,
        status,
        `${String(body).slice(0, 40)} → ${JSON.stringify(res.json)}`,
      );
      assertEquals(res.json.error.code, code);
      assertMatch(res.json.error.message, /\S/);
    }
  });
});

Deno.test("a streamed body over the limit is cut off with 413", async () => {
  await withServer(async (url) => {
    const chunk = new TextEncoder().encode("x".repeat(600));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ >= 4) return controller.close();
        controller.enqueue(chunk);
      },
    });
    const res = await post(url, stream);
    assertEquals(res.status, 413);
  });
});
