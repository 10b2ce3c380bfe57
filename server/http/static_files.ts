/**
 * Serves the client's built assets from an in-memory map (embedded through
 * the module graph), with ETag revalidation and an SPA fallback to
 * `index.html` for page navigations.
 *
 * @module
 */

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json; charset=utf-8",
  webmanifest: "application/manifest+json; charset=utf-8",
  map: "application/json; charset=utf-8",
  png: "image/png",
  svg: "image/svg+xml",
  ico: "image/x-icon",
  txt: "text/plain; charset=utf-8",
  woff2: "font/woff2",
};

/** The content type for a path, by extension. */
export function contentTypeFor(path: string): string {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return TYPES[ext] ?? "application/octet-stream";
}

interface Asset {
  bytes: Uint8Array;
  type: string;
  etag: string;
}

/** Serves assets; returns undefined when the path is not an asset. */
export type StaticHandler = (req: Request, url: URL) => Response | undefined;

/**
 * Creates a handler over `assets` (URL path → bytes). `/` serves
 * `/index.html`; an unknown path whose request accepts HTML also gets
 * `index.html`, so client-side routes survive a reload.
 */
export function createStaticHandler(
  assets: ReadonlyMap<string, Uint8Array>,
): StaticHandler {
  const table = new Map<string, Asset>();
  for (const [path, bytes] of assets) {
    table.set(path, {
      bytes,
      type: contentTypeFor(path),
      etag: `"${fnv1a(bytes).toString(16)}-${bytes.length.toString(16)}"`,
    });
  }
  return (req, url) => {
    if (req.method !== "GET" && req.method !== "HEAD") return undefined;
    let asset = table.get(url.pathname === "/" ? "/index.html" : url.pathname);
    if (
      !asset && !url.pathname.startsWith("/api/") &&
      (req.headers.get("accept") ?? "").includes("text/html")
    ) {
      asset = table.get("/index.html");
    }
    if (!asset) return undefined;
    const headers = new Headers({
      "content-type": asset.type,
      etag: asset.etag,
      // Names are not content-hashed, so always revalidate (cheap: 304).
      "cache-control": "no-cache",
    });
    const inm = req.headers.get("if-none-match");
    if (inm && inm.split(",").some((t) => t.trim() === asset.etag)) {
      return new Response(null, { status: 304, headers });
    }
    headers.set("content-length", String(asset.bytes.length));
    return new Response(
      req.method === "HEAD" ? null : asset.bytes as Uint8Array<ArrayBuffer>,
      {
        status: 200,
        headers,
      },
    );
  };
}

function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
