/**
 * The browser entry point: defines every element; `<flock-app>` in
 * `index.html` does the rest. Bundled as `app.js`; what it imports
 * dynamically becomes chunks of their own (`scripts/build_client.ts`).
 *
 * @module
 */
import "./elements/flock-app.ts";
import { loadMarkdownRenderer } from "./elements/markdown-text.ts";

// The Markdown renderer is a chunk of its own: fetch it once the page is up.
addEventListener("load", () => void loadMarkdownRenderer(), { once: true });
