/**
 * WCAG 2 contrast math for the browser tests (pure): relative luminance,
 * contrast ratio, alpha compositing of the backgrounds a text sits on, and
 * the ratio a text size needs.
 *
 * @module
 */

/** A colour: red, green, blue in 0–255, alpha in 0–1. */
export type Rgba = readonly [number, number, number, number];

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/**
 * WCAG's relative luminance of an (opaque) sRGB colour.
 *
 * @example
 * ```ts
 * relativeLuminance([255, 255, 255, 1]); // 1
 * ```
 */
export function relativeLuminance(color: Rgba): number {
  return 0.2126 * channel(color[0]) + 0.7152 * channel(color[1]) +
    0.0722 * channel(color[2]);
}

/**
 * The contrast ratio of two opaque colours, from 1 to 21.
 *
 * @example
 * ```ts
 * contrastRatio([0, 0, 0, 1], [255, 255, 255, 1]); // 21
 * ```
 */
export function contrastRatio(a: Rgba, b: Rgba): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** `top` painted over `bottom` (source-over, straight alpha). */
export function over(top: Rgba, bottom: Rgba): Rgba {
  const a = top[3] + bottom[3] * (1 - top[3]);
  if (a === 0) return [0, 0, 0, 0];
  const mix = (i: 0 | 1 | 2) =>
    (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a;
  return [mix(0), mix(1), mix(2), a];
}

/**
 * The opaque colours a text is seen in: its backgrounds composited from the
 * page up, then the text over that, each faded by the element's opacity.
 *
 * @param text The text colour.
 * @param backgrounds Background colours from the nearest ancestor to the
 *   page (the last one should be opaque; black is assumed below it).
 * @param opacity The product of the opacities on the way to the element.
 * @returns The foreground and background as opaque colours.
 */
export function seenColors(
  text: Rgba,
  backgrounds: readonly Rgba[],
  opacity = 1,
): { fg: Rgba; bg: Rgba } {
  let bg: Rgba = [0, 0, 0, 1];
  for (const layer of [...backgrounds].reverse()) bg = over(layer, bg);
  const fg = over([text[0], text[1], text[2], text[3] * opacity], bg);
  return { fg, bg };
}

/**
 * The ratio WCAG 2 (1.4.3, AA) asks of a text: 3 for large text (24 px, or
 * 18.66 px bold), else 4.5.
 *
 * @param fontSizePx The computed font size.
 * @param fontWeight The computed weight.
 */
export function requiredRatio(fontSizePx: number, fontWeight: number): number {
  const large = fontSizePx >= 24 || (fontSizePx >= 18.66 && fontWeight >= 700);
  return large ? 3 : 4.5;
}
