/**
 * A synthetic `opencode serve` for load tests: just enough of OpenCode's
 * process contract and HTTP API for Flock to supervise it unchanged, plus a
 * control endpoint that emits timestamped `message.part.delta` events at a
 * chosen rate.
 *
 * Contract (see `/work/shared/opencode/API.md` §1–§6):
 * - prints `opencode server listening on http://127.0.0.1:PORT` on stdout
 *   (after the "unsecured" warning when no password is set);
 * - honours `OPENCODE_SERVER_PASSWORD` (Basic auth, user
 *   `OPENCODE_SERVER_USERNAME` or `opencode`, or `?auth_token=`);
 * - serves `GET /global/health`, `/config/providers`, `/session/status`,
 *   `/session`, `/event` and `/global/event` (SSE, `server.connected` first,
 *   a heartbeat every 10 s; on `/global/event` each event is wrapped as
 *   `{"directory":…,"project":"global","payload":…}`, as OpenCode 1.18.33
 *   does, the connection records as `{"payload":…}`), and a few session
 *   routes the API latency bench needs.
 *
 * Bench control (same auth): `POST /bench/emit?n=&rate=&run=` emits `n`
 * deltas at `rate` per second and answers when done; each event carries
 * `run`, `seq` and `sentAt` (`performance.timeOrigin + performance.now()`,
 * in ms) in its properties. `POST /bench/play?rate=` emits the events in its
 * JSON body (`[{ type, properties }]`) at `rate` per second and answers when
 * done (a scripted reply for the client bench). `GET /bench/clock` returns
 * `{ now }` on the same clock; `GET /bench/subscribers` returns `{ count }`
 * of open event streams (both kinds).
 *
 * No imports on purpose: it starts in tens of milliseconds with `--no-config`.
 *
 * @module
 */

const encoder = new TextEncoder();

/** The shared clock of every bench process: epoch milliseconds, sub-ms. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

interface Session {
  id: string;
  slug: string;
  projectID: string;
  directory: string;
  title: string;
  version: string;
  time: { created: number; updated: number };
}

const sessions = new Map<string, Session>();
/** Open event streams; `global` ones get the wrapped records. */
const subscribers = new Map<
  ReadableStreamDefaultController<Uint8Array>,
  { global: boolean }
>();
let eventCounter = 0;

function eventId(): string {
  eventCounter++;
  return `evt_synthetic${eventCounter.toString().padStart(12, "0")}`;
}

/** One event as both streams carry it: a single `data:` line each. */
interface Frames {
  plain: Uint8Array;
  global: Uint8Array;
}

/**
 * Encodes one OpenCode-style event for `/event` and for `/global/event`
 * (a `serverWide` one without a directory, like `server.connected`).
 */
function frames(
  type: string,
  properties: Record<string, unknown>,
  serverWide = false,
): Frames {
  const event = { id: eventId(), type, properties };
  const json = JSON.stringify(event);
  const record = serverWide
    ? `{"payload":${json}}`
    : `{"directory":${
      JSON.stringify(directory)
    },"project":"global","payload":${json}}`;
  return {
    plain: encoder.encode(`data: ${json}\n\n`),
    global: encoder.encode(`data: ${record}\n\n`),
  };
}

function broadcast(event: Frames): void {
  for (const [controller, { global }] of subscribers) {
    try {
      controller.enqueue(global ? event.global : event.plain);
    } catch {
      subscribers.delete(controller);
    }
  }
}

function parsePort(args: readonly string[]): number {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--port") return Number(args[i + 1] ?? "0") || 0;
    if (arg?.startsWith("--port=")) return Number(arg.slice(7)) || 0;
  }
  return 0;
}

function parseHostname(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--hostname") return args[i + 1] ?? "127.0.0.1";
    if (arg?.startsWith("--hostname=")) return arg.slice(11);
  }
  return "127.0.0.1";
}

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

const password = env("OPENCODE_SERVER_PASSWORD") ?? "";
const username = env("OPENCODE_SERVER_USERNAME") || "opencode";
const expectedToken = btoa(`${username}:${password}`);
const directory = Deno.cwd();

function authorized(req: Request, url: URL): boolean {
  if (password === "") return true;
  const header = req.headers.get("authorization");
  if (header === `Basic ${expectedToken}`) return true;
  return url.searchParams.get("auth_token") === expectedToken;
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function notFound(message: string): Response {
  return json({ name: "NotFoundError", data: { message } }, 404);
}

function eventStream(global: boolean): Response {
  let self: ReadableStreamDefaultController<Uint8Array> | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const pick = (f: Frames) => global ? f.global : f.plain;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      self = controller;
      controller.enqueue(pick(frames("server.connected", {}, true)));
      subscribers.set(controller, { global });
      heartbeat = setInterval(() => {
        try {
          controller.enqueue(pick(frames("server.heartbeat", {}, true)));
        } catch {
          clearInterval(heartbeat);
        }
      }, 10_000);
    },
    cancel() {
      clearInterval(heartbeat);
      if (self) subscribers.delete(self);
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    },
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Emits `n` deltas at `rate` per second. Events due in the same timer tick
 * are written one frame at a time, each stamped just before it is written.
 */
async function emit(n: number, rate: number, run: number, session: string) {
  const started = now();
  let sent = 0;
  while (sent < n) {
    const due = Math.min(n, Math.floor(((now() - started) * rate) / 1000) + 1);
    while (sent < due) {
      const properties = {
        sessionID: session,
        messageID: "msg_synthetic",
        partID: "prt_synthetic",
        field: "text",
        delta: "token ",
        run,
        seq: sent,
        sentAt: now(),
      };
      broadcast(frames("message.part.delta", properties));
      sent++;
    }
    if (sent < n) {
      const next = started + (sent * 1000) / rate;
      await sleep(Math.max(0, next - now() - 0.2));
    }
  }
  return { emitted: sent, duration_ms: now() - started };
}

/** Emits scripted events (`[{ type, properties }]`) at `rate` per second. */
async function play(
  events: readonly { type: string; properties: Record<string, unknown> }[],
  rate: number,
) {
  const started = now();
  let sent = 0;
  while (sent < events.length) {
    const due = Math.min(
      events.length,
      Math.floor(((now() - started) * rate) / 1000) + 1,
    );
    for (; sent < due; sent++) {
      const event = events[sent];
      if (event) broadcast(frames(event.type, event.properties));
    }
    if (sent < events.length) {
      const next = started + (sent * 1000) / rate;
      await sleep(Math.max(0, next - now() - 0.2));
    }
  }
  return { emitted: sent, duration_ms: now() - started };
}

function createSession(title: string | undefined): Session {
  const created = Date.now();
  const id = `ses_synthetic${(sessions.size + 1).toString().padStart(8, "0")}`;
  const session: Session = {
    id,
    slug: `synthetic-${sessions.size + 1}`,
    projectID: "global",
    directory,
    title: title ?? `New session - ${new Date(created).toISOString()}`,
    version: "synthetic",
    time: { created, updated: created },
  };
  sessions.set(id, session);
  broadcast(frames("session.created", { sessionID: id, info: session }));
  return session;
}

async function handle(req: Request): Promise<Response> {
  const url = new URL(req.url);
  if (req.method === "OPTIONS") return new Response(null, { status: 204 });
  if (!authorized(req, url)) {
    return new Response("Unauthorized", {
      status: 401,
      headers: { "www-authenticate": 'Basic realm="Secure Area"' },
    });
  }
  const path = url.pathname;
  const method = req.method;
  if (method === "GET") {
    switch (path) {
      case "/global/health":
        return json({ healthy: true, version: "synthetic" });
      case "/config/providers":
        return json({ providers: [], default: {} });
      case "/session/status":
        return json({});
      case "/session":
        return json([...sessions.values()].reverse());
      case "/event":
        return eventStream(false);
      case "/global/event":
        return eventStream(true);
      case "/permission":
      case "/question":
        return json([]);
      case "/path":
        return json({
          home: env("HOME") ?? "",
          state: "",
          config: "",
          worktree: directory,
          directory,
        });
      case "/bench/clock":
        return json({ now: now() });
      case "/bench/subscribers":
        return json({ count: subscribers.size });
    }
    const match = /^\/session\/([^/]+)(\/message)?$/.exec(path);
    if (match?.[1]) {
      const session = sessions.get(match[1]);
      if (!session) return notFound(`Session not found: ${match[1]}`);
      return json(match[2] ? [] : session);
    }
  }
  if (method === "POST") {
    if (path === "/session") {
      let title: string | undefined;
      try {
        const body = await req.json() as { title?: unknown };
        if (typeof body.title === "string") title = body.title;
      } catch {
        // an empty body is fine
      }
      return json(createSession(title));
    }
    if (path === "/bench/emit") {
      const n = Number(url.searchParams.get("n") ?? "1");
      const rate = Number(url.searchParams.get("rate") ?? "100");
      const run = Number(url.searchParams.get("run") ?? "0");
      const session = url.searchParams.get("session") ?? "ses_synthetic";
      if (!(n > 0) || !(rate > 0)) {
        return json({ error: "n and rate must be positive" }, 400);
      }
      return json(await emit(n, rate, run, session));
    }
    if (path === "/bench/play") {
      const rate = Number(url.searchParams.get("rate") ?? "100");
      const events: unknown = await req.json().catch(() => null);
      if (!Array.isArray(events) || !(rate > 0)) {
        return json({ error: "give a JSON array of events and a rate" }, 400);
      }
      return json(await play(events, rate));
    }
    const match = /^\/session\/([^/]+)\/(abort|prompt_async)$/.exec(path);
    if (match?.[1]) {
      if (!sessions.has(match[1])) {
        return notFound(`Session not found: ${match[1]}`);
      }
      return match[2] === "abort"
        ? json(true)
        : new Response(null, { status: 204 });
    }
  }
  if (method === "DELETE") {
    const match = /^\/session\/([^/]+)$/.exec(path);
    if (match?.[1]) {
      const session = sessions.get(match[1]);
      if (!session) return notFound(`Session not found: ${match[1]}`);
      sessions.delete(match[1]);
      broadcast(
        frames("session.deleted", { sessionID: session.id, info: session }),
      );
      return json(true);
    }
  }
  return notFound(`No route: ${method} ${path}`);
}

if (import.meta.main) {
  const args = Deno.args;
  if (args.includes("--version")) {
    await Deno.stdout.write(encoder.encode("synthetic\n"));
    Deno.exit(0);
  }
  if (password === "") {
    await Deno.stdout.write(
      encoder.encode(
        "Warning: OPENCODE_SERVER_PASSWORD is not set; server is unsecured.\n",
      ),
    );
  }
  const hostname = parseHostname(args);
  const server = Deno.serve({
    hostname,
    port: parsePort(args),
    onListen: () => {},
  }, handle);
  await Deno.stdout.write(
    encoder.encode(
      `opencode server listening on http://${hostname}:${server.addr.port}\n`,
    ),
  );
  const stop = () => {
    for (const controller of subscribers.keys()) {
      try {
        controller.close();
      } catch {
        // already closed
      }
    }
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
