/**
 * `{{has_frontend_changes}}`: whether a branch's changed files touch the
 * front end. The runner lists the files (`git diff --name-only`); this
 * module decides, the way antfarm documents it: markup, style and component
 * files (`.html`, `.css`, `.scss`, `.less`, `.jsx`, `.tsx`, `.vue`,
 * `.svelte`) or anything under a front-end folder (`public/`, `static/`,
 * `assets/`, `components/`, `pages/`, `views/`, `styles/`), test files
 * excepted.
 *
 * @module
 */

const FRONTEND_EXTENSIONS = [
  "html",
  "css",
  "scss",
  "less",
  "jsx",
  "tsx",
  "vue",
  "svelte",
];
const FRONTEND_FOLDERS = [
  "public",
  "static",
  "assets",
  "components",
  "pages",
  "views",
  "styles",
];

function isTestFile(parts: readonly string[], name: string): boolean {
  return parts.includes("__tests__") || /\.(test|spec)\./.test(name);
}

/**
 * Whether any of the changed paths is a front-end file.
 *
 * @example
 * ```ts
 * touchesFrontEnd(["src/app.tsx"]); // true
 * touchesFrontEnd(["src/app.test.tsx", "server/db.ts"]); // false
 * ```
 */
export function touchesFrontEnd(paths: readonly string[]): boolean {
  return paths.some((path) => {
    const parts = path.replaceAll("\\", "/").split("/").filter((p) => p !== "");
    const name = parts.at(-1) ?? "";
    if (isTestFile(parts, name)) return false;
    const dot = name.lastIndexOf(".");
    const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
    if (FRONTEND_EXTENSIONS.includes(extension)) return true;
    return parts.slice(0, -1).some((folder) =>
      FRONTEND_FOLDERS.includes(folder)
    );
  });
}
