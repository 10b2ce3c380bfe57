/**
 * The client's weight, first paint and rendering of a long reply.
 *
 * - Sizes: every file in `client/dist/` gzipped (`CompressionStream`,
 *   zlib's default level), summed per kind. The first-paint JS is `app.js`
 *   and the chunks it imports statically; the chunks it imports on demand
 *   (the Markdown renderer, the code highlighter) are reported apart, in
 *   all and each by name, and so is the service worker.
 * - First paint of the cached shell: headless Chromium (`CHROME_BIN`, else
 *   `/usr/bin/chromium`, through `playwright-core`) loads Flock, waits until
 *   the service worker controls the page, then reloads several times and
 *   reads the Paint Timing API's `first-contentful-paint` after each reload.
 * - A long streamed reply: main-thread time per delta at its start and its
 *   end, and the longest task (`client_stream_bench.ts`).
 *
 * @module
 */
import { chromium } from "playwright-core";
import { CHROME_ARGS, CHROME_BIN } from "../server/testing/chromium.ts";
import {
  clientStreamBench,
  type ClientStreamResult,
} from "./client_stream_bench.ts";
import type { BenchContext } from "./context.ts";
import { progress } from "./context.ts";
import { ROOT, startFlock } from "./flock_server.ts";
import { median, percentile, round } from "./stats.ts";

/** Client figures; sizes in KB (1000 bytes), times in ms. */
export interface ClientResult {
  /** The JS the page needs for its first paint. */
  js_gzip_kb: number;
  /** The JS it loads on demand (chunks imported dynamically). */
  js_lazy_gzip_kb: number;
  /**
   * Each chunk loaded on demand, by its name without the content hash
   * (`code_highlighter`, `markdown_renderer`; small shared chunks are
   * `chunk`, summed).
   */
  js_lazy_chunks_gzip_kb: Record<string, number>;
  css_gzip_kb: number;
  sw_gzip_kb: number;
  js_raw_kb: number;
  /** Null when no Chromium is installed (see `fcp_skipped`). */
  fcp_p50_ms: number | null;
  fcp_p99_ms: number | null;
  fcp_runs: number;
  fcp_skipped?: string;
  /** A long streamed reply; null when no Chromium is installed. */
  stream: ClientStreamResult | null;
}

/** The Chromium the bench drives. */

async function gzipSize(bytes: Uint8Array<ArrayBuffer>): Promise<number> {
  const stream = new Blob([bytes]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return (await new Response(stream).arrayBuffer()).byteLength;
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* walk(path);
    else if (entry.isFile) yield path;
  }
}

/**
 * The files `app.js` loads before it runs: itself and, transitively, the
 * chunks it imports statically (`import … from "./x.js"`, `import "./x.js"`;
 * not `import("./x.js")`).
 */
export function firstPaintFiles(
  read: (name: string) => string | undefined,
  entry = "app.js",
): Set<string> {
  const files = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (files.has(name)) continue;
    const code = read(name);
    if (code === undefined) continue;
    files.add(name);
    for (const m of code.matchAll(/(?:from|import)\s*["']\.\/([^"']+)["']/g)) {
      if (m[1]) queue.push(m[1]);
    }
  }
  return files;
}

/** Sums the gzipped sizes of the built client. */
export async function clientSizes(): Promise<{
  js: number;
  jsLazy: number;
  /** Bytes of each lazy chunk, by {@linkcode chunkName}. */
  lazyChunks: Map<string, number>;
  css: number;
  sw: number;
  jsRaw: number;
}> {
  const dist = `${ROOT}/client/dist`;
  const decoder = new TextDecoder();
  const firstPaint = firstPaintFiles((name) => {
    try {
      return decoder.decode(Deno.readFileSync(`${dist}/${name}`));
    } catch {
      return undefined;
    }
  });
  let js = 0;
  let jsLazy = 0;
  const lazyChunks = new Map<string, number>();
  let css = 0;
  let sw = 0;
  let jsRaw = 0;
  for await (const path of walk(dist)) {
    const isJs = path.endsWith(".js") || path.endsWith(".mjs");
    const isCss = path.endsWith(".css");
    if (!isJs && !isCss) continue;
    const bytes = await Deno.readFile(path);
    const size = await gzipSize(bytes);
    if (isCss) css += size;
    else if (path.endsWith("/sw.js")) sw += size;
    else if (firstPaint.has(path.slice(dist.length + 1))) {
      js += size;
      jsRaw += bytes.byteLength;
    } else {
      jsLazy += size;
      const name = chunkName(path.slice(path.lastIndexOf("/") + 1));
      lazyChunks.set(name, (lazyChunks.get(name) ?? 0) + size);
    }
  }
  if (js === 0) {
    throw new Error(`No client JS in ${dist}: run deno task build first`);
  }
  return { js, jsLazy, lazyChunks, css, sw, jsRaw };
}

/**
 * A built chunk's name without its content hash and extension:
 * `code_highlighter-ITQGI67M.js` is `code_highlighter`.
 */
export function chunkName(file: string): string {
  return file.replace(/\.m?js$/, "").replace(/-[A-Z0-9]{8}$/, "");
}

/** Whether Chromium is installed, or why not. */
function chromiumSkipReason(): string | undefined {
  try {
    if (Deno.statSync(CHROME_BIN).isFile) return undefined;
  } catch {
    // fall through
  }
  return `no Chromium at ${CHROME_BIN} (set CHROME_BIN)`;
}

async function firstPaints(
  ctx: BenchContext,
  url: string,
  runs: number,
): Promise<number[]> {
  const profile = await ctx.dir("chromium-profile");
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROME_BIN,
    headless: true,
    args: CHROME_ARGS,
    viewport: { width: 1280, height: 800 },
    // The run marker lets the tracker find a Chromium left behind.
    env: { ...Deno.env.toObject(), ...ctx.tracker.marker },
  });
  try {
    const page = browser.pages()[0] ?? await browser.newPage();
    await page.goto(url, { waitUntil: "load" });
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    for (let i = 0; i < 10; i++) {
      const controlled = await page.evaluate(() =>
        navigator.serviceWorker.controller !== null
      );
      if (controlled) break;
      await page.reload({ waitUntil: "load" });
    }
    const controlled = await page.evaluate(() =>
      navigator.serviceWorker.controller !== null
    );
    if (!controlled) {
      throw new Error("The service worker never took control of the page");
    }
    const paints: number[] = [];
    for (let i = 0; i < runs; i++) {
      await page.reload({ waitUntil: "load" });
      const fcp = await page.evaluate(() =>
        new Promise<number>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error("No first-contentful-paint entry")),
            10_000,
          );
          new PerformanceObserver((list) => {
            const entry = list.getEntriesByName("first-contentful-paint")[0];
            if (entry) {
              clearTimeout(timer);
              resolve(entry.startTime);
            }
          }).observe({ type: "paint", buffered: true });
        })
      );
      const fromCache = await page.evaluate(() =>
        navigator.serviceWorker.controller !== null
      );
      if (!fromCache) throw new Error("A reload was not served by the worker");
      paints.push(fcp);
    }
    return paints;
  } finally {
    await browser.close();
  }
}

/** Measures the client's sizes and (with Chromium) first paint. */
export async function clientBench(ctx: BenchContext): Promise<ClientResult> {
  progress("client: gzipped sizes");
  const sizes = await clientSizes();
  const kb = (bytes: number) => round(bytes / 1000, 1);
  const base = {
    js_gzip_kb: kb(sizes.js),
    js_lazy_gzip_kb: kb(sizes.jsLazy),
    js_lazy_chunks_gzip_kb: Object.fromEntries(
      [...sizes.lazyChunks].sort(([a], [b]) => a.localeCompare(b))
        .map(([name, bytes]) => [name, kb(bytes)]),
    ),
    css_gzip_kb: kb(sizes.css),
    sw_gzip_kb: kb(sizes.sw),
    js_raw_kb: kb(sizes.jsRaw),
  };
  const skip = chromiumSkipReason();
  if (skip) {
    if (Deno.env.get("CI") === "true") {
      throw new Error(`Cannot measure first paint in CI: ${skip}`);
    }
    progress(`SKIP first paint: ${skip}`);
    return {
      ...base,
      fcp_p50_ms: null,
      fcp_p99_ms: null,
      fcp_runs: 0,
      fcp_skipped: skip,
      stream: null,
    };
  }
  const runs = ctx.pick(10, 2);
  progress(`client: first paint of the cached shell, ${runs} reloads`);
  const flock = await startFlock(ctx.tracker, {
    home: await ctx.dir("client-home"),
  });
  let paints: number[];
  try {
    paints = await firstPaints(ctx, flock.url, runs);
  } finally {
    await ctx.tracker.stop(flock.child);
  }
  return {
    ...base,
    fcp_p50_ms: round(median(paints), 1),
    fcp_p99_ms: round(percentile(paints, 99), 1),
    fcp_runs: runs,
    stream: await clientStreamBench(ctx),
  };
}
