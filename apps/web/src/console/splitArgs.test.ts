import { describe, expect, it } from "vitest";
import { splitArgs } from "./splitArgs.ts";

describe("splitArgs (redis-cli line splitting)", () => {
  it("splits on runs of whitespace and ignores leading and trailing space", () => {
    expect(splitArgs("  SET   k1  v1 ")).toEqual({ ok: true, argv: ["SET", "k1", "v1"] });
  });

  it("returns no arguments for a blank line", () => {
    expect(splitArgs("   ")).toEqual({ ok: true, argv: [] });
  });

  it("keeps spaces inside double quotes and decodes escapes", () => {
    expect(splitArgs('SET k "hello world\\n\\x41\\"q\\""')).toEqual({ ok: true, argv: ["SET", "k", 'hello world\nA"q"'] });
  });

  it("treats single quotes literally except for \\'", () => {
    expect(splitArgs("SET k 'a\\nb \\'c\\''")).toEqual({ ok: true, argv: ["SET", "k", "a\\nb 'c'"] });
  });

  it("accepts empty quoted arguments", () => {
    expect(splitArgs('SET k ""')).toEqual({ ok: true, argv: ["SET", "k", ""] });
  });

  it("starts quoting in the middle of a token, as sdssplitargs does", () => {
    expect(splitArgs('a"b c"')).toEqual({ ok: true, argv: ["ab c"] });
  });

  it("rejects unbalanced quotes", () => {
    expect(splitArgs('SET k "oops').ok).toBe(false);
    expect(splitArgs("SET k 'oops").ok).toBe(false);
  });

  it("rejects a closing quote glued to the next character", () => {
    expect(splitArgs('SET "k"v 1').ok).toBe(false);
  });
});
