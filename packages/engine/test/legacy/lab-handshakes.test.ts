/**
 * The handshake captures of real redis-server 2.6.17, 2.8.24 and 4.0.14 (a first sync, a
 * reconnect, a promotion in a chain, a link dropped above a sub-replica, master PINGs), replayed
 * on the lab's kinds through a recording proxy made of lab connections: every frame that is not
 * periodic is compared byte for byte, ids as equality classes; RDB payloads by version, size,
 * AUX fields and contents (their key order follows each process's hash seed). A connection the
 * master refused (2.6's "Can't SYNC while not connected with my master") is timing too: whether a
 * sub-replica's retry comes before or after its master's own resync depends on the phases of their
 * once-a-second crons. Such attempts are left out on both sides (and the rest renumbered); that a
 * 2.6 master refuses them is checked where it does not depend on timing (the promotion capture).
 */
import { describe, expect, it } from "vitest";
import { readRdb } from "../../src/index.ts";
import { LEGACY_RELEASES, readLegacyFixture, significantFrames, type HandshakeFrame, type HandshakeName } from "./legacy-fixture.ts";
import { HANDSHAKE_NAMES, captureHandshake } from "./legacy-handshakes.ts";
import { LEGACY_VERSIONS } from "./legacy-servers.ts";
import { LabLegacyBackend, labKindOf } from "./lab-backend.ts";

/** The releases whose lab kind exists (LEGACY_KINDS=2.8.24,… picks some). */
const ENABLED = process.env.LEGACY_KINDS?.split(",") ?? LEGACY_RELEASES.filter((release) => labKindOf(release) !== null);

/** An RDB 6 payload's keys and values (the recorder keeps version 6 payloads whole, in hex). */
function rdbContents(hex: string): Record<string, string> {
  const bytes = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
  const contents: Record<string, string> = {};
  readRdb(bytes, { onString: (db, key, value) => (contents[`${db}:${key}`] = String.fromCharCode(...value)) });
  return contents;
}

/** A frame as compared: RDB payloads by what they hold, everything else as recorded. */
function comparable(frame: HandshakeFrame): unknown {
  if (frame.kind !== "rdb") return frame;
  const { hex, ...summary } = frame.rdb;
  return { ...frame, rdb: { ...summary, ...(hex === undefined ? {} : { contents: rdbContents(hex) }) } };
}

/** The frames without connections the master refused, connections renumbered in order. */
function withoutRefusedAttempts(frames: readonly HandshakeFrame[]): HandshakeFrame[] {
  const refused = new Set(frames.flatMap((f) => (f.kind === "reply" && f.text.startsWith("-ERR Can't SYNC") ? [f.conn] : [])));
  const numbers = new Map<number, number>();
  return frames.flatMap((f): HandshakeFrame[] => {
    if (f.kind === "step") return [f];
    if (refused.has(f.conn)) return [];
    if (!numbers.has(f.conn)) numbers.set(f.conn, numbers.size + 1);
    return [{ ...f, conn: numbers.get(f.conn)! }];
  });
}

/** What is compared of a capture. */
function compared(frames: readonly HandshakeFrame[]): unknown[] {
  return withoutRefusedAttempts(significantFrames(frames)).map(comparable);
}

describe.each(LEGACY_RELEASES.filter((r) => ENABLED.includes(r)))("the lab's kind for %s replays the recorded handshakes", (release) => {
  const fixture = readLegacyFixture(release);
  const version = LEGACY_VERSIONS.find((v) => v.release === release)!;
  for (const name of HANDSHAKE_NAMES as HandshakeName[]) {
    it(name, async () => {
      const expected = fixture.handshakes[name];
      const actual = await captureHandshake(name, (config) => new LabLegacyBackend(version, labKindOf(release)!, config, `handshake:${release}:${name}`));
      expect(compared(actual.frames)).toEqual(compared(expected.frames));
      if (name === "promotion" && release === "2.6.17") {
        // B has no master for 2.5 s: C's SYNC is refused whatever the timing.
        expect(significantFrames(actual.frames)).toContainEqual({ kind: "reply", conn: 2, dir: "master->replica", text: "-ERR Can't SYNC while not connected with my master\r\n" });
      }
      expect(actual.idsAtStart).toEqual(expected.idsAtStart);
      expect(actual.idsAtEnd).toEqual(expected.idsAtEnd);
    });
  }
});
