/**
 * The unknown-command error of every Redis release, as each formats it from C strings: 2.6 and 2.8
 * print the name with `'%s'`; 4.0 adds the arguments in backquotes, each `%.*s` cut to what is left
 * of 128 bytes; 7.0 cuts the name at 128 bytes too and quotes with `'`. Every field stops at its
 * first NUL, and CR and LF become spaces. Expected replies: fixtures/unknown-command.json, recorded
 * from real redis-server 2.6.17, 2.8.24, 4.0.14 and 7.0.15 by record-unknown-command.ts.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Lab } from "../src/index.ts";
import { requestBytes, UNKNOWN_COMMAND_CASES, type UnknownCommandFixture } from "./unknown-command-cases.ts";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/unknown-command.json", import.meta.url), "utf8")) as UnknownCommandFixture;

const shown = (bytes: Uint8Array): string => String.fromCharCode(...bytes);

/** A lab node's reply to one request on a fresh client connection. */
function answer(version: string, bytes: Uint8Array): string {
  const lab = new Lab({ seed: "unknown-command" });
  const node = lab.addNode({ version }).id;
  lab.runUntilIdle(30_000);
  const chunks: Uint8Array[] = [];
  const connection = lab.openConnection(node, "10.0.0.9:40000", { onData: (data) => chunks.push(data), onClose: () => undefined });
  connection.send(bytes);
  lab.runUntilIdle(30_000);
  return chunks.map(shown).join("");
}

for (const [version, replies] of Object.entries(fixture.replies)) {
  describe(`${version}'s unknown-command error (${fixture.recordedWith[version]})`, () => {
    for (const c of UNKNOWN_COMMAND_CASES) {
      it(c.name, () => {
        expect(replies[c.name], "recorded").toBeDefined();
        expect(answer(version, requestBytes(c.argv))).toBe(replies[c.name]);
      });
    }
  });
}
