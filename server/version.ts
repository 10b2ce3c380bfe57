/** Flock's version, reported by `--version` and `GET /api/health`. */
export const VERSION = "0.1.0";
