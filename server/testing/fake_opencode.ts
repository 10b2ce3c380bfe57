/**
 * A stand-in for `opencode serve` for fast supervisor tests: prints the
 * listening line, checks Basic auth, and serves `/global/health`,
 * `/global/event`, `/event`, `/session/status` and `/config/providers`. Its behaviour is chosen by
 * environment variables:
 *
 * - `FAKE_OPENCODE_MODE=ok` (default): healthy until killed.
 * - `FAKE_OPENCODE_MODE=unhealthy`: answers 503 on `/global/health` after
 *   the first `FAKE_OPENCODE_HEALTHY_CHECKS` (default 1) checks.
 * - `FAKE_OPENCODE_MODE=crash`: exits with code 3 `FAKE_OPENCODE_CRASH_MS`
 *   (default 300) ms after listening.
 *
 * Run it through {@linkcode writeFakeOpenCode}, which writes an executable
 * wrapper script.
 *
 * @module
 */

/**
 * Writes `<dir>/opencode`, a shell wrapper that `exec`s this program with
 * the current Deno, and returns its path.
 */
export async function writeFakeOpenCode(dir: string): Promise<string> {
  const path = `${dir}/opencode`;
  const self = new URL(import.meta.url).pathname;
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\nexec '${Deno.execPath()}' run -A '${self}' "$@"\n`,
  );
  await Deno.chmod(path, 0o755);
  return path;
}

/** Options for {@linkcode fakeOpenCodeHandler}. */
export interface FakeOpenCodeOptions {
  /** The Basic-auth password (user `opencode`) every request must carry. */
  password: string;
  /** Asked at each `GET /global/health`: answer healthy (200) or not (503). */
  healthy: () => boolean;
  /** Ends every open event stream when it aborts. */
  signal?: AbortSignal;
  /** What `GET /path` reports as the served directory. Default `/fake/project`. */
  directory?: string;
  /** The Basic-auth user. Default `opencode`. */
  username?: string;
}

/**
 * The fake's HTTP API: Basic auth, `/global/health`, `/global/event` and
 * `/event` (one `server.connected`, then open; wrapped as `{"payload":…}` on
 * `/global/event`, as OpenCode does), `/session`, `/permission` and
 * `/question` (none), `/session/status`, `/path` and `/config/providers`.
 * Used by the fake child process and, in-process, by the fake spawn of the
 * supervisor's unit tests.
 */
export function fakeOpenCodeHandler(
  options: FakeOpenCodeOptions,
): (request: Request) => Response {
  const expected = "Basic " +
    btoa(`${options.username ?? "opencode"}:${options.password}`);
  const encoder = new TextEncoder();
  return (request) => {
    if (request.headers.get("authorization") !== expected) {
      return new Response("Unauthorized", { status: 401 });
    }
    const path = new URL(request.url).pathname;
    if (path === "/global/health") {
      return options.healthy()
        ? Response.json({ healthy: true, version: "fake" })
        : Response.json({ healthy: false }, { status: 503 });
    }
    if (path === "/session/status") return Response.json({});
    if (path === "/permission") return Response.json([]);
    if (path === "/path") {
      const directory = options.directory ?? "/fake/project";
      return Response.json({
        home: "/fake/home",
        state: "/fake/state",
        config: "/fake/config",
        worktree: directory,
        directory,
      });
    }
    if (path === "/session") return Response.json([]);
    if (path === "/permission" || path === "/question") {
      return Response.json([]);
    }
    if (path === "/config/providers") {
      return Response.json({ providers: [], default: {} });
    }
    if (path === "/event" || path === "/global/event") {
      const signal = options.signal;
      let onAbort = () => {};
      const connected = {
        id: "evt_fake_connected",
        type: "server.connected",
        properties: {},
      };
      const record = path === "/event" ? connected : { payload: connected };
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(
            encoder.encode(`data: ${JSON.stringify(record)}\n\n`),
          );
          onAbort = () => {
            try {
              controller.close();
            } catch {
              // Cancelled already.
            }
          };
          if (signal?.aborted) onAbort();
          else signal?.addEventListener("abort", onAbort, { once: true });
        },
        cancel() {
          signal?.removeEventListener("abort", onAbort);
        },
      });
      return new Response(body, {
        headers: { "content-type": "text/event-stream" },
      });
    }
    return Response.json({ name: "NotFoundError", data: { message: path } }, {
      status: 404,
    });
  };
}

function main(): void {
  const mode = Deno.env.get("FAKE_OPENCODE_MODE") ?? "ok";
  const healthyChecks = Number(
    Deno.env.get("FAKE_OPENCODE_HEALTHY_CHECKS") ?? "1",
  );
  const crashMs = Number(Deno.env.get("FAKE_OPENCODE_CRASH_MS") ?? "300");
  const encoder = new TextEncoder();
  let checks = 0;
  Deno.stderr.writeSync(
    encoder.encode(`fake opencode ${Deno.args.join(" ")}\n`),
  );
  const config = Deno.env.get("OPENCODE_CONFIG");
  if (config) Deno.stderr.writeSync(encoder.encode(`config ${config}\n`));

  Deno.serve(
    {
      hostname: "127.0.0.1",
      port: 0,
      onListen({ port }) {
        Deno.stdout.writeSync(
          encoder.encode(
            `opencode server listening on http://127.0.0.1:${port}\n`,
          ),
        );
        if (mode === "crash") setTimeout(() => Deno.exit(3), crashMs);
      },
    },
    fakeOpenCodeHandler({
      password: Deno.env.get("OPENCODE_SERVER_PASSWORD") ?? "",
      healthy: () => !(mode === "unhealthy" && ++checks > healthyChecks),
    }),
  );
}

if (import.meta.main) main();
