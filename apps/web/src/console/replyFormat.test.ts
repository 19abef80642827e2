import { describe, expect, it } from "vitest";
import { asCommandResult, consoleOutput, formatReply, isRawOutputCommand } from "./replyFormat.ts";

describe("formatReply (redis-cli TTY output)", () => {
  it("prints scalars as redis-cli does", () => {
    expect(formatReply({ type: "simple", value: "OK" })).toBe("OK");
    expect(formatReply({ type: "error", value: "ERR unknown command 'FOO'" })).toBe("(error) ERR unknown command 'FOO'");
    expect(formatReply({ type: "integer", value: 42 })).toBe("(integer) 42");
    expect(formatReply({ type: "bulk", value: null })).toBe("(nil)");
    expect(formatReply({ type: "bulk", value: 'a "b"\n', encoding: "utf8" })).toBe('"a \\"b\\"\\n"');
  });

  it("escapes non-ASCII bytes", () => {
    expect(formatReply({ type: "bulk", value: "é", encoding: "utf8" })).toBe('"\\xc3\\xa9"');
    expect(formatReply({ type: "bulk", value: btoa("\x00\xff"), encoding: "base64" })).toBe('"\\x00\\xff"');
  });

  it("numbers array items, aligning nested arrays under their first line", () => {
    const items = Array.from({ length: 10 }, (_, i) => ({ type: "integer" as const, value: i }));
    const text = formatReply({ type: "array", value: items });
    expect(text.split("\n")[0]).toBe(" 1) (integer) 0");
    expect(text.split("\n")[9]).toBe("10) (integer) 9");
    expect(
      formatReply({
        type: "array",
        value: [
          { type: "bulk", value: "a", encoding: "utf8" },
          { type: "array", value: [{ type: "bulk", value: "b", encoding: "utf8" }, { type: "bulk", value: "c", encoding: "utf8" }] },
        ],
      }),
    ).toBe('1) "a"\n2) 1) "b"\n   2) "c"');
    expect(formatReply({ type: "array", value: [] })).toBe("(empty array)");
    expect(formatReply({ type: "array", value: null })).toBe("(nil)");
  });
});

describe("consoleOutput", () => {
  it("prints INFO raw, as redis-cli does", () => {
    expect(isRawOutputCommand(["info", "replication"])).toBe(true);
    expect(isRawOutputCommand(["CLIENT", "LIST"])).toBe(true);
    expect(isRawOutputCommand(["GET", "k"])).toBe(false);
    const out = consoleOutput(["INFO", "replication"], { reply: { type: "bulk", value: "# Replication\r\nrole:master\r\n", encoding: "utf8" }, text: '"# Replication\\r\\n..."' });
    expect(out).toEqual({ text: "# Replication\nrole:master", isError: false });
  });

  it("prefers the server's text and marks errors", () => {
    expect(consoleOutput(["FOO"], { reply: { type: "error", value: "ERR unknown command" }, text: "(error) ERR unknown command" })).toEqual({ text: "(error) ERR unknown command", isError: true });
  });

  it("recognises command results", () => {
    expect(asCommandResult({ reply: { type: "simple", value: "OK" }, text: "OK" })).toEqual({ reply: { type: "simple", value: "OK" }, text: "OK" });
    expect(asCommandResult({ nope: 1 })).toBeNull();
  });
});
