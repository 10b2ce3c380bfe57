import { strictEqual } from "node:assert/strict";
import { DRAFT_KEY_PREFIX, readDraft, writeDraft } from "./drafts.ts";

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

Deno.test("drafts are kept per session and removed when emptied", () => {
  const storage = new MemoryStorage();
  strictEqual(readDraft(storage, "ses_1"), "");
  writeDraft(storage, "ses_1", "half a thought");
  writeDraft(storage, "ses_2", "another");
  strictEqual(readDraft(storage, "ses_1"), "half a thought");
  strictEqual(readDraft(storage, "ses_2"), "another");
  writeDraft(storage, "ses_1", "  \n");
  strictEqual(readDraft(storage, "ses_1"), "");
  strictEqual(storage.items.has(DRAFT_KEY_PREFIX + "ses_1"), false);
});

Deno.test("a storage that throws loses nothing but the persistence", () => {
  const broken = {
    getItem(): string | null {
      throw new Error("denied");
    },
    setItem(): void {
      throw new Error("full");
    },
    removeItem(): void {
      throw new Error("denied");
    },
  };
  writeDraft(broken, "s", "text");
  writeDraft(broken, "s", "");
  strictEqual(readDraft(broken, "s"), "");
});
