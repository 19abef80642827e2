/**
 * The SSDB card's arithmetic: where a slave's seq falls against a binlog window (ssdb-server's
 * range check: `seq not in [min_seq, max_seq]: OUT_OF_SYNC`, a seq of 0 asks for a copy), and
 * `info`'s replication text in ssdb-server 1.9.8's layout (as recorded in
 * packages/engine/test/fixtures/real-ssdb-1.9.8.json, freshCopy/copied).
 */
import type { NodeSnapshot } from "@replica-lab/protocol";
import { describe, expect, it } from "vitest";
import { asSsdb, replicaOnline, seqPlace, ssdbInfoText, type SsdbNode } from "./ssdb.ts";

const SLAVE: SsdbNode = {
  id: "n2" as SsdbNode["id"],
  name: "B",
  address: "127.0.0.1:6380",
  host: "127.0.0.1",
  port: 6380,
  version: "7.0",
  kindLabel: "SSDB 1.9.8",
  status: "up",
  boots: 1,
  masterId: "n1" as SsdbNode["id"],
  removedMaster: null,
  respPort: null,
  configFile: "",
  protocol: "ssdb-binlog",
  role: "replica",
  masterAddress: "127.0.0.1:46327",
  linkPhase: "connected",
  linkUp: true,
  transferProgress: null,
  keys: 5,
  uptimeSec: 1,
  replicas: [],
  binlog: { enabled: true, capacity: 10, minSeq: 0, maxSeq: 5 },
  syncStatus: "SYNC",
  lastSeq: 5,
  lastKey: "",
  copyCount: 5,
  syncCount: 0,
  slaveId: "127.0.0.1|46327",
  masters: ["127.0.0.1:46327"],
  copyMode: "upstream",
  syncSpeedMBps: -1,
  snapshots: [],
};

describe("SSDB nodes in the web app", () => {
  it("a seq resumes inside [min_seq, max_seq]; 0 asks for a copy; anything else is OUT_OF_SYNC", () => {
    expect(seqPlace(5, 0, 8)).toBe("inside");
    expect(seqPlace(0, 10_097, 10_106)).toBe("inside");
    expect(seqPlace(5, 10_097, 10_106)).toBe("behind");
    expect(seqPlace(8, 0, 0)).toBe("ahead");
  });

  it("renders the slave's replication entry as ssdb-server prints it, and tells the kinds apart", () => {
    expect(ssdbInfoText(SLAVE)).toBe(
      "binlogs\n    capacity : 10\n    min_seq  : 0\n    max_seq  : 5\nreplication\nslaveof 127.0.0.1:46327\n    id         : 127.0.0.1|46327\n    type       : sync\n    status     : SYNC\n    last_seq   : 5\n    copy_count : 5\n    sync_count : 0",
    );
    expect(asSsdb(SLAVE)).toBe(SLAVE);
    expect(asSsdb({ ...SLAVE, protocol: "redis-psync2" } as unknown as NodeSnapshot)).toBeNull();
    expect([replicaOnline({ status: "SYNC" }), replicaOnline({ status: "COPY" }), replicaOnline({ state: "online" })]).toEqual([true, false, true]);
  });
});
