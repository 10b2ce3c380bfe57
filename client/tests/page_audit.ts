/**
 * Audits of what a page shows, for the browser tests: the contrast of every
 * visible text and the size of every visible tap target, measured in
 * Chromium (computed colours turned into sRGB by a canvas, so `oklch()`
 * works) and judged here with WCAG's math (`contrast.ts`).
 *
 * @module
 */
import type { Page } from "playwright-core";
import {
  contrastRatio,
  requiredRatio,
  type Rgba,
  seenColors,
} from "./contrast.ts";

/** A visible text as the page paints it. */
interface TextSample {
  text: string;
  where: string;
  color: Rgba;
  /** Backgrounds from the text's element up to the page. */
  backgrounds: Rgba[];
  opacity: number;
  fontSize: number;
  fontWeight: number;
}

/** A text below the contrast it needs. */
export interface ContrastFailure {
  text: string;
  where: string;
  ratio: number;
  needed: number;
}

/** Reads every visible text's colours (runs in the page). */
function sampleTexts(): TextSample[] {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 1;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  if (!ctx) throw new Error("Cannot audit contrast: no 2D canvas");
  const rgba = (css: string): Rgba => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = "#000";
    ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    const [r = 0, g = 0, b = 0, a = 0] = ctx.getImageData(0, 0, 1, 1).data;
    return [r, g, b, a / 255];
  };
  const describe = (el: Element): string => {
    const attrs = [...el.attributes].filter((a) =>
      a.name.startsWith("data-") || a.name === "aria-label"
    ).map((a) => `[${a.name}${a.value ? `=${a.value.slice(0, 30)}` : ""}]`)
      .join("");
    const host = el.closest(
      "flock-app > *, session-view > *, home-view > *, dialog",
    );
    return `${
      host?.tagName.toLowerCase() ?? ""
    } ${el.tagName.toLowerCase()}${attrs}`;
  };
  const samples: TextSample[] = [];
  const seen = new Set<Element>();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent?.trim() ?? "";
    const el = node.parentElement;
    if (!text || !el || seen.has(el)) continue;
    seen.add(el);
    // not painted: hidden, inert behind a modal, clipped to nothing
    if (
      !el.checkVisibility({ opacityProperty: true, visibilityProperty: true })
    ) {
      continue;
    }
    const box = el.getBoundingClientRect();
    if (box.width < 2 || box.height < 2) continue;
    if (el.closest(".sr-only, [aria-hidden=true], code, pre")) continue;
    const style = getComputedStyle(el);
    const backgrounds: Rgba[] = [];
    let opacity = 1;
    for (let up: Element | null = el; up; up = up.parentElement) {
      const s = getComputedStyle(up);
      opacity *= Number(s.opacity);
      const bg = rgba(s.backgroundColor);
      if (bg[3] > 0) backgrounds.push(bg);
      if (bg[3] >= 1) break;
    }
    samples.push({
      text: text.slice(0, 40),
      where: describe(el),
      color: rgba(style.color),
      backgrounds,
      opacity,
      fontSize: parseFloat(style.fontSize),
      fontWeight: Number(style.fontWeight),
    });
  }
  return samples;
}

/**
 * Every visible text (code aside: the highlighter's palette is its own) whose
 * contrast with what it is painted on is below WCAG AA (4.5:1; 3:1 for
 * large text).
 *
 * @param page The page, as it is now.
 * @returns The failures; empty when every text passes.
 */
export async function contrastFailures(
  page: Page,
): Promise<ContrastFailure[]> {
  const samples = await page.evaluate(sampleTexts);
  const failures: ContrastFailure[] = [];
  for (const s of samples) {
    const { fg, bg } = seenColors(s.color, s.backgrounds, s.opacity);
    const ratio = contrastRatio(fg, bg);
    const needed = requiredRatio(s.fontSize, s.fontWeight);
    if (ratio < needed) {
      failures.push({
        text: s.text,
        where: s.where,
        ratio: Math.round(ratio * 100) / 100,
        needed,
      });
    }
  }
  return failures;
}

/** A tap target smaller than it should be. */
export interface TargetFailure {
  what: string;
  width: number;
  height: number;
}

/**
 * Every visible tap target (buttons, links, fields, summaries) smaller than
 * `min` px in either direction. Links inside a sentence are exempt (WCAG
 * 2.5.5's "inline" exception), as are disabled fields.
 *
 * @param page The page, as it is now.
 * @param min The smallest side allowed, in CSS px.
 * @param within Only targets inside the elements this selector matches
 *   (default: the whole page).
 */
export function smallTargets(
  page: Page,
  min = 44,
  within = ":root",
): Promise<TargetFailure[]> {
  return page.evaluate(([min, within]) => {
    const failures: { what: string; width: number; height: number }[] = [];
    const targets = [...document.querySelectorAll(within)].flatMap((root) => [
      ...root.querySelectorAll(
        "button, a[href], input:not([type=hidden]), textarea, select, summary, [role=button], [role=link]",
      ),
    ]);
    for (const el of targets) {
      if (!el.checkVisibility({ visibilityProperty: true })) continue;
      if (el.closest("[inert]")) continue;
      if (el.matches("a") && el.closest("markdown-text p, markdown-text li")) {
        continue;
      }
      const box = el.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      if (box.width + 0.5 >= min && box.height + 0.5 >= min) continue;
      const label = el.getAttribute("aria-label") ??
        el.textContent?.trim().slice(0, 30) ?? "";
      failures.push({
        what: `${el.tagName.toLowerCase()} "${label}"`,
        width: Math.round(box.width),
        height: Math.round(box.height),
      });
    }
    return failures;
  }, [min, within] as const);
}
