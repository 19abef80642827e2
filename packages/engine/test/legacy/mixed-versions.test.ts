/**
 * Mixed versions in one topology, as the real pairs behave. Each expectation below was observed on
 * real servers built from the redis tags (2.6.17, 2.8.24, 4.0.14) and Debian's 7.0.15, started
 * with `--save ""` on loopback and driven with redis-cli (the commands are in each test's comment);
 * the figures are theirs.
 */
import { describe, expect, it } from "vitest";
import { Lab, ReplyParser, encodeCommand, utf8, fromUtf8, type NodeId, type Reply } from "../../src/index.ts";

function text(reply: Reply): string {
  if (reply.kind === "bulk") return reply.value === null ? "(nil)" : fromUtf8(reply.value);
  if (reply.kind === "simple") return reply.value;
  if (reply.kind === "error") return `-${reply.message}`;
  if (reply.kind === "integer") return String(reply.value);
  throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
}

function info(lab: Lab, id: NodeId, section: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text(lab.command(id, "INFO", section)).split("\r\n")) {
    const at = line.indexOf(":");
    if (at > 0 && !line.startsWith("#")) fields[line.slice(0, at)] = line.slice(at + 1);
  }
  return fields;
}

function pair(masterVersion: string, replicaVersion: string): { lab: Lab; a: NodeId; b: NodeId } {
  const lab = new Lab({ seed: `mixed:${masterVersion}:${replicaVersion}` });
  const a = lab.addNode({ name: "A", version: masterVersion, config: { "repl-ping-replica-period": "3600" } }).id;
  const b = lab.addNode({ name: "B", version: replicaVersion, config: { "repl-ping-replica-period": "3600" } }).id;
  return { lab, a, b };
}

function slaveOf(lab: Lab, replica: NodeId, master: NodeId): void {
  const port = lab.nodeSnapshot(master).port;
  expect(text(lab.command(replica, "SLAVEOF", "127.0.0.1", String(port)))).toBe("OK");
}

describe("mixed versions", () => {
  it("a 7.0 replica of a 2.6 master falls back to SYNC on the unknown PSYNC and starts at offset -1", () => {
    // Observed: 2.6.17 master, 7.0.15 replica; `set a 1` on A, `replicaof` on B: B's log says
    // "Master does not support PSYNC or is in error state (reply: -ERR unknown command 'PSYNC')
    // … Retrying with SYNC", slave_repl_offset:-1, then 26 after one 27-byte SET.
    const { lab, a, b } = pair("2.6", "7.0");
    lab.command(a, "SET", "a", "1");
    slaveOf(lab, b, a);
    lab.advance(2_500);
    const replica = info(lab, b, "replication");
    expect(replica.master_link_status).toBe("up");
    expect(replica.slave_repl_offset).toBe("-1");
    expect(text(lab.command(b, "GET", "a"))).toBe("1");
    expect(lab.events().some((e) => e.detail.kind === "warning" && e.detail.code === "psync-unsupported")).toBe(true);
    lab.command(a, "SET", "b", "2");
    lab.advance(3_000);
    expect(info(lab, b, "replication").slave_repl_offset).toBe("26");
    expect(text(lab.command(b, "GET", "b"))).toBe("2");
    // The 2.6 master lists it in its own format, and gets no REPLCONF ACK it would refuse: the only
    // errors it answered were the handshake's (REPLCONF capa, PSYNC), none in the seconds after.
    expect(info(lab, a, "replication").slave0).toMatch(/^127\.0\.0\.1,\d+,online$/);
    const errors = info(lab, a, "stats").total_error_replies;
    lab.advance(5_000);
    expect(info(lab, a, "stats").total_error_replies).toBe(errors);
  });

  it("a 2.8 replica of a 2.6 master falls back to SYNC too, and sends no ACKs", () => {
    // Observed: 2.6.17 master, 2.8.24 replica: slave_repl_offset:-1, master_repl_offset:0, then 26.
    const { lab, a, b } = pair("2.6", "2.8");
    lab.command(a, "SET", "a", "1");
    slaveOf(lab, b, a);
    lab.advance(2_500);
    const replica = info(lab, b, "replication");
    expect([replica.master_link_status, replica.slave_repl_offset, replica.master_repl_offset]).toEqual(["up", "-1", "0"]);
    lab.command(a, "SET", "b", "2");
    const errors = info(lab, a, "stats").total_error_replies;
    lab.advance(3_000);
    expect(info(lab, b, "replication").slave_repl_offset).toBe("26");
    expect(info(lab, a, "stats").total_error_replies).toBe(errors);
  });

  it("a 7.0 replica of a 2.8 master takes its run id as replid and continues partially after a drop", () => {
    // Observed: 2.8.24 master, 7.0.15 replica: master_replid = the master's run_id, offsets 1;
    // after `client kill type slave` and a SET: a partial resync, slave_repl_offset:51,
    // the master's sync_full:1 sync_partial_ok:1 sync_partial_err:1 (B's first PSYNC named its own replid).
    const { lab, a, b } = pair("2.8", "7.0");
    lab.command(a, "SET", "a", "1");
    slaveOf(lab, b, a);
    lab.advance(2_500);
    const runId = info(lab, a, "server").run_id;
    let replica = info(lab, b, "replication");
    expect([replica.master_link_status, replica.master_replid, replica.slave_repl_offset]).toEqual(["up", runId, "1"]);
    expect(text(lab.command(a, "CLIENT", "KILL", "TYPE", "slave"))).toBe("1");
    lab.command(a, "SET", "b", "2");
    lab.advance(2_500);
    replica = info(lab, b, "replication");
    expect([replica.master_link_status, replica.master_replid, replica.slave_repl_offset, replica.master_repl_offset]).toEqual(["up", runId, "51", "51"]);
    const stats = info(lab, a, "stats");
    expect([stats.sync_full, stats.sync_partial_ok, stats.sync_partial_err]).toEqual(["1", "1", "1"]);
  });

  it("a 2.8 replica of a 7.0 master cannot load its RDB (version 10) and tries again, full sync after full sync", () => {
    // Observed (with a 4.0.14 master, RDB version 8): "Can't handle RDB format version 8",
    // "Failed trying to load the MASTER synchronization DB from disk", the link never up, and the
    // master's sync_full at 3 after three seconds. (A 7.0 master delays a diskless fork 5 s.)
    const { lab, a, b } = pair("7.0", "2.8");
    lab.command(a, "SET", "a", "1");
    slaveOf(lab, b, a);
    lab.advance(13_000);
    expect(info(lab, b, "replication").master_link_status).toBe("down");
    expect(Number(info(lab, a, "stats").sync_full)).toBeGreaterThanOrEqual(2);
    expect(lab.events().some((e) => e.message.includes("Can't handle RDB format version 10"))).toBe(true);
  });

  it("a 4.0 replica of a 2.6 master falls back to SYNC: offset -1, an empty replid, a backlog from 0", () => {
    // Observed: 2.6.17 master, 4.0.14 replica: "Master does not support PSYNC or is in error state
    // (reply: -ERR unknown command 'PSYNC')", "Retrying with SYNC..."; master_replid: (empty),
    // slave_repl_offset:-1, master_repl_offset:-1, repl_backlog_first_byte_offset:0, histlen 0;
    // after a 27-byte SET: offsets 26, histlen 27.
    const { lab, a, b } = pair("2.6", "4.0");
    lab.command(a, "SET", "a", "1");
    slaveOf(lab, b, a);
    lab.advance(2_500);
    let replica = info(lab, b, "replication");
    expect([replica.master_link_status, replica.master_replid, replica.slave_repl_offset, replica.master_repl_offset]).toEqual(["up", "", "-1", "-1"]);
    expect([replica.repl_backlog_first_byte_offset, replica.repl_backlog_histlen]).toEqual(["0", "0"]);
    lab.command(a, "SET", "b", "2");
    const errors = info(lab, a, "stats").total_error_replies;
    lab.advance(2_000);
    replica = info(lab, b, "replication");
    expect([replica.slave_repl_offset, replica.master_repl_offset, replica.repl_backlog_first_byte_offset, replica.repl_backlog_histlen]).toEqual(["26", "26", "0", "27"]);
    expect(text(lab.command(b, "GET", "b"))).toBe("2");
    // No REPLCONF ACK goes to a master synced with SYNC.
    expect(info(lab, a, "stats").total_error_replies).toBe(errors);
  });

  it("a 4.0 replica of a 2.8 master takes its run id as replid and continues on a plain +CONTINUE", () => {
    // Observed: 2.8.24 master, 4.0.14 replica: B offers its own replid ("Trying a partial
    // resynchronization (request <B's replid>:1)"), gets "+FULLRESYNC <run id> 1": master_replid =
    // the run id, offsets 1, backlog first byte 2; after `client kill type slave` and a SET:
    // "Successful partial resynchronization", offsets 51, histlen 50; the master's counters 1/1/1.
    const { lab, a, b } = pair("2.8", "4.0");
    lab.command(a, "SET", "a", "1");
    slaveOf(lab, b, a);
    lab.advance(2_500);
    const runId = info(lab, a, "server").run_id;
    let replica = info(lab, b, "replication");
    expect([replica.master_link_status, replica.master_replid, replica.slave_repl_offset, replica.master_repl_offset]).toEqual(["up", runId, "1", "1"]);
    expect([replica.repl_backlog_first_byte_offset, replica.repl_backlog_histlen]).toEqual(["2", "0"]);
    expect(text(lab.command(a, "CLIENT", "KILL", "TYPE", "slave"))).toBe("1");
    lab.command(a, "SET", "b", "2");
    lab.advance(2_500);
    replica = info(lab, b, "replication");
    expect([replica.master_link_status, replica.master_replid, replica.slave_repl_offset, replica.master_repl_offset]).toEqual(["up", runId, "51", "51"]);
    expect([replica.repl_backlog_first_byte_offset, replica.repl_backlog_histlen]).toEqual(["2", "50"]);
    const stats = info(lab, a, "stats");
    expect([stats.sync_full, stats.sync_partial_ok, stats.sync_partial_err]).toEqual(["1", "1", "1"]);
  });

  it("a 7.0 replica of a 4.0 master loads its RDB (version 8) and continues partially after a drop", () => {
    // Observed: 4.0.14 master, 7.0.15 replica: the master's replid, offset 0, backlog from 1; after
    // `client kill type slave` and a SET: offsets 50, histlen 50; the master's counters 1/1/1 and
    // `slave0:ip=127.0.0.1,port=…,state=online,offset=50,lag=…`.
    const { lab, a, b } = pair("4.0", "7.0");
    lab.command(a, "SET", "a", "1");
    lab.command(b, "REPLICAOF", "127.0.0.1", String(lab.nodeSnapshot(a).port));
    lab.advance(2_500);
    const replid = info(lab, a, "replication").master_replid;
    let replica = info(lab, b, "replication");
    expect([replica.master_link_status, replica.master_replid, replica.slave_repl_offset, replica.repl_backlog_first_byte_offset]).toEqual(["up", replid, "0", "1"]);
    expect(text(lab.command(a, "CLIENT", "KILL", "TYPE", "slave"))).toBe("1");
    lab.command(a, "SET", "b", "2");
    lab.advance(2_500);
    replica = info(lab, b, "replication");
    expect([replica.master_link_status, replica.slave_repl_offset, replica.master_repl_offset, replica.repl_backlog_histlen]).toEqual(["up", "50", "50", "50"]);
    const stats = info(lab, a, "stats");
    expect([stats.sync_full, stats.sync_partial_ok, stats.sync_partial_err]).toEqual(["1", "1", "1"]);
    expect(info(lab, a, "replication").slave0).toMatch(/^ip=127\.0\.0\.1,port=\d+,state=online,offset=50,lag=\d+$/);
  });

  it("a 4.0 replica of a 7.0 master cannot load its RDB (version 10) and tries again", () => {
    // Observed: 7.0.15 master, 4.0.14 replica: "receiving streamed RDB from master", "Can't handle
    // RDB format version 10", "Failed trying to load the MASTER synchronization DB from disk"; the
    // link never up, the master's sync_full at 3 after 13 s (a diskless fork every 5 s or so).
    const { lab, a, b } = pair("7.0", "4.0");
    lab.command(a, "SET", "a", "1");
    slaveOf(lab, b, a);
    lab.advance(13_000);
    expect(info(lab, b, "replication").master_link_status).toBe("down");
    expect(Number(info(lab, a, "stats").sync_full)).toBeGreaterThanOrEqual(2);
    expect(lab.events().some((e) => e.nodeId === b && e.message.includes("Can't handle RDB format version 10"))).toBe(true);
  });

  it("a 2.8 replica of a 4.0 master cannot load its RDB (version 8)", () => {
    // Observed: 4.0.14 master, 2.8.24 replica: "Can't handle RDB format version 8", the link never up.
    const { lab, a, b } = pair("4.0", "2.8");
    lab.command(a, "SET", "a", "1");
    slaveOf(lab, b, a);
    lab.advance(4_000);
    expect(info(lab, b, "replication").master_link_status).toBe("down");
    expect(Number(info(lab, a, "stats").sync_full)).toBeGreaterThanOrEqual(2);
    expect(lab.events().some((e) => e.nodeId === b && e.message.includes("Can't handle RDB format version 8"))).toBe(true);
  });

  it.each(["7.0", "4.0"])("a PSYNC without capa psync2 gets +CONTINUE without an id from a %s master", (version) => {
    // Observed on 7.0.15 and 4.0.14: `REPLCONF capa eof` then `PSYNC <replid> <offset>` → "+CONTINUE\r\n";
    // with `capa eof capa psync2` → "+CONTINUE <replid>\r\n".
    const { lab, a, b } = pair(version, version);
    lab.command(b, "SLAVEOF", "127.0.0.1", String(lab.nodeSnapshot(a).port));
    lab.advance(7_000);
    lab.command(a, "SET", "a", "1");
    lab.advance(100);
    const fields = info(lab, a, "replication");
    const answers = (capa: string): string => {
      const parser = new ReplyParser();
      let received = "";
      const conn = lab.openConnection(a, "127.0.0.1:39001", { onData: (bytes) => (received += fromUtf8(bytes)), onClose: () => {} });
      conn.send(encodeCommand(["REPLCONF", "capa", ...capa.split(" ")].map(utf8)));
      conn.send(encodeCommand(["PSYNC", fields.master_replid!, fields.master_repl_offset!].map(utf8)));
      lab.advance(10);
      parser.push(utf8(received));
      conn.close();
      return received.slice(received.indexOf("+CONTINUE")).split("\r\n")[0]!;
    };
    expect(answers("eof")).toBe("+CONTINUE");
    expect(answers("eof capa psync2")).toBe(`+CONTINUE ${fields.master_replid}`);
  });
});
