import { describe, expect, it } from "vitest";
import { lineRange, replicaOfInFile, savePoints } from "./configFileText.ts";

describe("reading a redis.conf", () => {
  it("finds the master it names, the last line winning, slaveof included", () => {
    expect(replicaOfInFile("# replicaof 1.2.3.4 5\nsave 60 1\n")).toBeNull();
    expect(replicaOfInFile("replicaof 127.0.0.1 7001\n")).toBe("127.0.0.1:7001");
    expect(replicaOfInFile("slaveof 10.0.0.1 6379\r\n  REPLICAOF \"127.0.0.1\" 7002\n")).toBe("127.0.0.1:7002");
  });

  it("reads save points in pairs; an empty save means none", () => {
    expect(savePoints("3600 1 300 100 60 10000")).toEqual([
      { seconds: 3600, changes: 1 },
      { seconds: 300, changes: 100 },
      { seconds: 60, changes: 10000 },
    ]);
    expect(savePoints("")).toEqual([]);
  });

  it("finds a line's characters for the editor to select", () => {
    const text = "save 60 1\nnope 1\nlast";
    expect(text.slice(lineRange(text, 2)!.start, lineRange(text, 2)!.end)).toBe("nope 1");
    expect(text.slice(lineRange(text, 3)!.start, lineRange(text, 3)!.end)).toBe("last");
    expect(lineRange(text, 4)).toBeNull();
    expect(lineRange(text, 0)).toBeNull();
  });
});
