import { describe, expect, it } from "vitest";
import { consolePrompt } from "./consolePrompt.ts";

describe("the console prompt (redis-cli's)", () => {
  it("shows the address, the selected db when not 0, (TX) inside MULTI, and not connected when down", () => {
    expect(consolePrompt("127.0.0.1:6379", false)).toBe("127.0.0.1:6379>");
    expect(consolePrompt("127.0.0.1:6379", false, { db: 3 })).toBe("127.0.0.1:6379[3]>");
    expect(consolePrompt("127.0.0.1:6379", false, { db: 0, inTransaction: true })).toBe("127.0.0.1:6379(TX)>");
    expect(consolePrompt("127.0.0.1:6379", false, { db: 3, inTransaction: true })).toBe("127.0.0.1:6379[3](TX)>");
    expect(consolePrompt("127.0.0.1:6379", true, { db: 3 })).toBe("not connected>");
  });
});
