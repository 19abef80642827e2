import { describe, expect, it } from "vitest";
import { asCommandResult, consoleOutput } from "./replyFormat.ts";

describe("consoleOutput", () => {
  it("shows the server's redis-cli text with terminal line ends (INFO comes raw)", () => {
    const out = consoleOutput({ reply: { type: "bulk", value: "# Replication\r\nrole:master\r\n", encoding: "utf8" }, text: "# Replication\r\nrole:master\r\n" });
    expect(out).toEqual({ text: "# Replication\nrole:master", isError: false });
  });

  it("marks errors", () => {
    expect(consoleOutput({ reply: { type: "error", value: "ERR unknown command 'x'" }, text: "(error) ERR unknown command 'x'" })).toEqual({
      text: "(error) ERR unknown command 'x'",
      isError: true,
    });
  });

  it("recognises command results", () => {
    expect(asCommandResult({ reply: { type: "integer", value: 1 }, text: "(integer) 1" })).toEqual({ reply: { type: "integer", value: 1 }, text: "(integer) 1" });
    expect(asCommandResult({ id: "n1" })).toBeNull();
    expect(asCommandResult(null)).toBeNull();
  });
});
