/**
 * Inline SVG icons (stroke style, 24×24 viewBox) as Lit templates. Inline SVG
 * needs no `style` attribute, so it is fine under the page's CSP.
 *
 * @module
 */
import { svg, type SVGTemplateResult } from "lit";

/** Names of the available icons. */
export type IconName =
  | "plus"
  | "trash"
  | "pencil"
  | "refresh"
  | "stop"
  | "menu"
  | "x"
  | "bell"
  | "bell-off"
  | "folder"
  | "folder-up"
  | "home"
  | "send"
  | "terminal"
  | "wrench"
  | "check"
  | "alert"
  | "brain"
  | "chevron"
  | "shield"
  | "file"
  | "message"
  | "branch";

const PATHS: Record<IconName, SVGTemplateResult> = {
  plus: svg`
    <path d="M12 5v14M5 12h14" />
  `,
  trash: svg`
    <path d="M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6M10 11v6M14 11v6" />
  `,
  pencil: svg`
    <path d="M17 3l4 4L8 20H4v-4L17 3z" />
  `,
  refresh: svg`
    <path d="M21 12a9 9 0 1 1-3-6.7L21 8M21 3v5h-5" />
  `,
  stop: svg`
    <rect x="6" y="6" width="12" height="12" rx="2" />
  `,
  menu: svg`
    <path d="M4 6h16M4 12h16M4 18h16" />
  `,
  x: svg`
    <path d="M6 6l12 12M18 6L6 18" />
  `,
  bell: svg`
    <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9M10 21h4" />
  `,
  "bell-off": svg`
    <path
      d="M6 8a6 6 0 0 1 9.5-4.9M18 8c0 7 3 9 3 9H9M6 8c0 3-.6 5-1.3 6.5M10 21h4M3 3l18 18" />
  `,
  folder: svg`
    <path
      d="M3 6a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V6z" />
  `,
  "folder-up": svg`
    <path
      d="M3 6a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V6zM12 17v-6M9 14l3-3 3 3" />
  `,
  home: svg`
    <path d="M3 11l9-8 9 8M5 10v10h5v-6h4v6h5V10" />
  `,
  send: svg`
    <path d="M5 12h13M12 5l7 7-7 7" />
  `,
  terminal: svg`
    <path d="M4 17l6-5-6-5M12 19h8" />
  `,
  wrench: svg`
    <path
      d="M14.7 6.3a4 4 0 0 0 5 5L21 13l-8 8-3-3 8-8-1.3-1.3a4 4 0 0 1-5-5L13 2l1.7 4.3zM3 21l4-4" />
  `,
  check: svg`
    <path d="M5 12l5 5L20 7" />
  `,
  alert: svg`
    <path d="M12 3l10 18H2L12 3zM12 10v4M12 17.5v.5" />
  `,
  brain: svg`
    <path
      d="M9 4a3 3 0 0 0-3 3 3 3 0 0 0-2 5 3 3 0 0 0 2 5 3 3 0 0 0 6 1V5a3 3 0 0 0-3-1zM15 4a3 3 0 0 1 3 3 3 3 0 0 1 2 5 3 3 0 0 1-2 5 3 3 0 0 1-6 1" />
  `,
  chevron: svg`
    <path d="M9 6l6 6-6 6" />
  `,
  shield: svg`
    <path d="M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6l8-3z" />
  `,
  file: svg`
    <path d="M6 3h8l5 5v13H6V3zM14 3v5h5" />
  `,
  message: svg`
    <path d="M4 5h16v11H9l-5 4V5z" />
  `,
  branch: svg`
    <path
      d="M6 3v12M18 9a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM6 21a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM18 9a9 9 0 0 1-9 9" />
  `,
};

/**
 * An icon, decorative (`aria-hidden`); label the control that contains it.
 *
 * @param name The icon.
 * @param classes Tailwind classes for size and colour (default `size-4`).
 * @returns The SVG template.
 */
export function icon(name: IconName, classes = "size-4"): SVGTemplateResult {
  return svg`
    <svg class=${classes} viewBox="0 0 24 24" fill="none" stroke="currentColor"
      stroke-width="2" stroke-linecap="round" stroke-linejoin="round"
      aria-hidden="true" focusable="false">${PATHS[name]}</svg>
  `;
}
