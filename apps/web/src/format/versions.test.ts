import { describe, expect, it } from "vitest";
import { pairingNeverSyncs, pairingNoteKey, versionLabel } from "./versions.ts";

describe("version pairings", () => {
  it("flag SSDB and Redis nodes as never syncing with each other, either way", () => {
    expect(pairingNeverSyncs("ssdb", "7.0")).toBe(true);
    expect(pairingNeverSyncs("2.8", "ssdb")).toBe(true);
    expect(pairingNeverSyncs("ssdb", "ssdb")).toBe(false);
    expect(pairingNeverSyncs("7.0", "2.6")).toBe(false);
  });
  it("note the SYNC fallback under a 2.6 master, and nothing for an ordinary pair", () => {
    expect(pairingNoteKey("7.0", "2.6")).toBe("versions.pair.psyncToSync26");
    expect(pairingNoteKey("2.6", "2.6")).toBeNull();
    expect(pairingNoteKey("2.8", "4.0")).toBeNull();
    expect(pairingNoteKey("ssdb", "4.0")).toBe("versions.pair.ssdbFromRedis");
  });
  it("name versions as people say them", () => {
    expect(versionLabel("2.8")).toBe("redis 2.8");
    expect(versionLabel("ssdb")).toBe("SSDB");
  });
});
