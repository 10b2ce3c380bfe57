/**
 * The browser entry point: defines every element; `<flock-app>` in
 * `index.html` does the rest.
 *
 * @module
 */
import "./elements/flock-app.ts";
