import { describe, it, expect } from "vitest";
import { asciiBytes, binaryToBytes } from "../../util/bytes.ts";
import { formatReplyForCli } from "./cli-format.ts";
import type { Reply } from "./reply.ts";

const simple = (value: string): Reply => ({ kind: "simple", value });
const err = (message: string): Reply => ({ kind: "error", message });
const int = (value: number): Reply => ({ kind: "integer", value });
const bulk = (value: string | null): Reply => ({ kind: "bulk", value: value === null ? null : binaryToBytes(value) });
const array = (items: Reply[] | null): Reply => ({ kind: "array", items });
const ints = (from: number, to: number): Reply[] => Array.from({ length: to - from + 1 }, (_, i) => int(from + i));

// Expected texts are what redis-cli 7.0.15 printed on a pseudo-terminal (`script -qc "redis-cli ..."`)
// for the same replies from redis-server 7.0.15, minus the final newline. conformance.redis.test.ts
// re-runs the comparison whenever redis-cli is installed.
describe("formatReplyForCli", () => {
  it("RESP-27: scalar replies", () => {
    expect(formatReplyForCli(simple("OK"))).toBe("OK");
    expect(formatReplyForCli(simple("PONG"))).toBe("PONG");
    expect(formatReplyForCli(err("MYERR bad thing"))).toBe("(error) MYERR bad thing");
    expect(formatReplyForCli(int(1))).toBe("(integer) 1");
    expect(formatReplyForCli(int(-5))).toBe("(integer) -5");
    expect(formatReplyForCli(bulk("hello"))).toBe('"hello"');
    expect(formatReplyForCli(bulk(""))).toBe('""');
    expect(formatReplyForCli(bulk(null))).toBe("(nil)");
    expect(formatReplyForCli(array(null))).toBe("(nil)");
    expect(formatReplyForCli(array([]))).toBe("(empty array)");
  });

  it("RESP-27: bulk strings are quoted with sdscatrepr escapes", () => {
    // redis-cli GET of the value a\x01\x7f\xe9"\\\n\r\t\a\b z printed exactly this:
    expect(formatReplyForCli(bulk('a\x01\x7f\xe9"\\\n\r\t\x07\x08 z'))).toBe('"a\\x01\\x7f\\xe9\\"\\\\\\n\\r\\t\\a\\b z"');
    expect(formatReplyForCli({ kind: "bulk", value: new TextEncoder().encode("é") })).toBe('"\\xc3\\xa9"');
  });

  it("RESP-27: status and error bytes go to the terminal raw (UTF-8 shown as text), cut at NUL", () => {
    // A fake server answering +\xc3\xa9t\xc3\xa9 made redis-cli print "été"; -ERR a\0b printed "(error) ERR a".
    expect(formatReplyForCli(simple("\xc3\xa9t\xc3\xa9"))).toBe("été");
    expect(formatReplyForCli(err("ERR a\0b"))).toBe("(error) ERR a");
  });

  it("RESP-28: nested arrays, numbered and indented as redis-cli does", () => {
    // EVAL "return {1,{2,{3,'x'},{}},{},'a',false}" 0
    const reply = array([int(1), array([int(2), array([int(3), bulk("x")]), array([])]), array([]), bulk("a"), bulk(null)]);
    expect(formatReplyForCli(reply)).toBe(
      [
        "1) (integer) 1",
        "2) 1) (integer) 2",
        "   2) 1) (integer) 3",
        '      2) "x"',
        "   3) (empty array)",
        "3) (empty array)",
        '4) "a"',
        "5) (nil)",
      ].join("\n"),
    );
  });

  it("RESP-28: indexes are right-aligned to the widest one, and nesting indents by that width", () => {
    // EVAL "return {1,2,3,4,5,6,7,8,9,10,{1,2,3,4,5,6,7,8,9,10,11}}" 0
    const reply = array([...ints(1, 10), array(ints(1, 11))]);
    const expected = [
      " 1) (integer) 1",
      " 2) (integer) 2",
      " 3) (integer) 3",
      " 4) (integer) 4",
      " 5) (integer) 5",
      " 6) (integer) 6",
      " 7) (integer) 7",
      " 8) (integer) 8",
      " 9) (integer) 9",
      "10) (integer) 10",
      "11)  1) (integer) 1",
      "     2) (integer) 2",
      "     3) (integer) 3",
      "     4) (integer) 4",
      "     5) (integer) 5",
      "     6) (integer) 6",
      "     7) (integer) 7",
      "     8) (integer) 8",
      "     9) (integer) 9",
      "    10) (integer) 10",
      "    11) (integer) 11",
    ];
    expect(formatReplyForCli(reply)).toBe(expected.join("\n"));
  });

  it("RESP-28: statuses and errors inside arrays", () => {
    // EVAL "return {redis.status_reply('S'),redis.error_reply('E x')}" 0
    expect(formatReplyForCli(array([simple("S"), err("E x")]))).toBe("1) S\n2) (error) E x");
    expect(formatReplyForCli(array([array([array([{ kind: "bulk", value: asciiBytes("deep") }])])]))).toBe('1) 1) 1) "deep"');
  });
});

describe("formatReplyForCli with the command (redis-cli's raw list)", () => {
  it("prints INFO and CLIENT LIST raw, as redis-cli does on a terminal", () => {
    const bulk: Reply = { kind: "bulk", value: new TextEncoder().encode("# Replication\r\nrole:master\r\n") };
    expect(formatReplyForCli(bulk, ["INFO", "replication"])).toBe("# Replication\r\nrole:master\r\n");
    expect(formatReplyForCli(bulk, ["client", "list"])).toBe("# Replication\r\nrole:master\r\n");
    expect(formatReplyForCli(bulk, ["GET", "k"])).toBe('"# Replication\\r\\nrole:master\\r\\n"');
    expect(formatReplyForCli({ kind: "error", message: "ERR x" }, ["INFO", "a", "b"])).toBe("ERR x");
  });
});
