/**
 * Draws Flock's app icon (three birds in V formation on an indigo tile) as an
 * RGBA bitmap, analytically anti-aliased, so the build needs no image tools.
 *
 * @module
 */
import { encodePng } from "./png.ts";

/** Options for {@linkcode renderIcon}. */
export interface IconOptions {
  /** Edge length in pixels. */
  size: number;
  /**
   * A maskable icon fills the whole square and keeps the glyph inside the
   * central safe zone; a plain one is a rounded tile on transparency.
   */
  maskable?: boolean;
}

type Vec = readonly [number, number];

const FROM = [79, 70, 229] as const; // #4f46e5
const TO = [124, 58, 237] as const; // #7c3aed

/** Distance from point p to the segment a-b. */
function segmentDistance(p: Vec, a: Vec, b: Vec): number {
  const abx = b[0] - a[0];
  const aby = b[1] - a[1];
  const t = Math.max(
    0,
    Math.min(
      1,
      ((p[0] - a[0]) * abx + (p[1] - a[1]) * aby) / (abx * abx + aby * aby),
    ),
  );
  const dx = p[0] - (a[0] + abx * t);
  const dy = p[1] - (a[1] + aby * t);
  return Math.hypot(dx, dy);
}

/** Signed distance to a centred rounded square of half-size h and radius r. */
function roundedBoxDistance(p: Vec, h: number, r: number): number {
  const qx = Math.abs(p[0]) - h + r;
  const qy = Math.abs(p[1]) - h + r;
  const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0));
  return outside + Math.min(Math.max(qx, qy), 0) - r;
}

/** The birds, in unit coordinates: [body x, body y, half wing span]. */
const BIRDS: readonly (readonly [number, number, number])[] = [
  [0.5, 0.44, 0.21],
  [0.27, 0.68, 0.135],
  [0.73, 0.68, 0.135],
];

/** A gull-like bird: two quadratic Bezier wings meeting at the body. */
function birdSegments(scale: number): [Vec, Vec][] {
  const out: [Vec, Vec][] = [];
  const map = (x: number, y: number): Vec => [
    0.5 + (x - 0.5) * scale,
    0.5 + (y - 0.5) * scale,
  ];
  const steps = 10;
  for (const [cx, cy, w] of BIRDS) {
    for (const side of [-1, 1]) {
      const tip: Vec = [cx + side * w, cy - w * 0.18];
      const ctrl: Vec = [cx + side * w * 0.45, cy - w * 0.95];
      const body: Vec = [cx, cy];
      let prev = map(tip[0], tip[1]);
      for (let i = 1; i <= steps; i++) {
        const t = i / steps;
        const u = 1 - t;
        const x = u * u * tip[0] + 2 * u * t * ctrl[0] + t * t * body[0];
        const y = u * u * tip[1] + 2 * u * t * ctrl[1] + t * t * body[1];
        const next = map(x, y);
        out.push([prev, next]);
        prev = next;
      }
    }
  }
  return out;
}

/**
 * Renders the icon as non-premultiplied RGBA pixels.
 *
 * @param options Size and whether the icon is maskable.
 * @returns `size * size * 4` bytes.
 */
export function renderIcon(options: IconOptions): Uint8Array {
  const { size, maskable = false } = options;
  const px = 1 / size;
  const scale = maskable ? 0.72 : 0.86;
  const segments = birdSegments(scale);
  const stroke = 0.034 * scale; // half thickness, unit coordinates
  const out = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p: Vec = [(x + 0.5) * px, (y + 0.5) * px];
      // background coverage
      const bg = maskable ? 1 : Math.max(
        0,
        Math.min(
          1,
          0.5 - roundedBoxDistance([p[0] - 0.5, p[1] - 0.5], 0.5, 0.22) / px,
        ),
      );
      // glyph coverage
      let d = Infinity;
      for (const [a, b] of segments) d = Math.min(d, segmentDistance(p, a, b));
      const glyph = Math.max(0, Math.min(1, 0.5 + (stroke - d) / px));
      const t = Math.min(1, Math.max(0, (p[0] + p[1]) / 2));
      const i = (y * size + x) * 4;
      for (let c = 0; c < 3; c++) {
        const base = (FROM[c] ?? 0) + ((TO[c] ?? 0) - (FROM[c] ?? 0)) * t;
        out[i + c] = Math.round(base + (255 - base) * glyph);
      }
      out[i + 3] = Math.round(255 * bg);
    }
  }
  return out;
}

/**
 * Renders the icon and encodes it as PNG.
 *
 * @param options Size and whether the icon is maskable.
 * @returns The PNG file bytes.
 */
export function iconPng(options: IconOptions): Uint8Array {
  return encodePng(options.size, options.size, renderIcon(options));
}
