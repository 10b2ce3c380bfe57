/**
 * A stand-in for `opencode serve` for fast supervisor tests: prints the
 * listening line, checks Basic auth, and serves `/global/health`, `/event`,
 * `/session/status` and `/config/providers`. Its behaviour is chosen by
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

function main(): void {
  const mode = Deno.env.get("FAKE_OPENCODE_MODE") ?? "ok";
  const healthyChecks = Number(
    Deno.env.get("FAKE_OPENCODE_HEALTHY_CHECKS") ?? "1",
  );
  const crashMs = Number(Deno.env.get("FAKE_OPENCODE_CRASH_MS") ?? "300");
  const password = Deno.env.get("OPENCODE_SERVER_PASSWORD") ?? "";
  const expected = "Basic " + btoa(`opencode:${password}`);
  const encoder = new TextEncoder();
  let checks = 0;
  Deno.stderr.writeSync(
    encoder.encode(`fake opencode ${Deno.args.join(" ")}\n`),
  );
  const config = Deno.env.get("OPENCODE_CONFIG");
  if (config) Deno.stderr.writeSync(encoder.encode(`config ${config}\n`));

  Deno.serve({
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
  }, (request) => {
    if (request.headers.get("authorization") !== expected) {
      return new Response("Unauthorized", { status: 401 });
    }
    const path = new URL(request.url).pathname;
    if (path === "/global/health") {
      checks++;
      if (mode === "unhealthy" && checks > healthyChecks) {
        return Response.json({ healthy: false }, { status: 503 });
      }
      return Response.json({ healthy: true, version: "fake" });
    }
    if (path === "/session/status") return Response.json({});
    if (path === "/config/providers") {
      return Response.json({ providers: [], default: {} });
    }
    if (path === "/event") {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(
            encoder.encode(
              `data: ${
                JSON.stringify({ type: "server.connected", properties: {} })
              }\n\n`,
            ),
          );
        },
      });
      return new Response(body, {
        headers: { "content-type": "text/event-stream" },
      });
    }
    return Response.json({ name: "NotFoundError", data: { message: path } }, {
      status: 404,
    });
  });
}

if (import.meta.main) main();
