import { describe, expect, it } from "vitest";
import type { LabEvent, NodeId } from "@replica-lab/protocol";
import { i18n } from "../i18n/i18n.ts";
import { makeEvent } from "../store/fixtures.ts";
import { eventKindLabel, eventLine, explainEvent, type EventContext } from "./eventText.ts";

const en = i18n.getFixedT("en");
const zh = i18n.getFixedT("zh");

const A = "127.0.0.1:7001";
const C = "127.0.0.1:7003";
const names: Record<string, string> = { [A]: "A", [C]: "C" };
const addresses: Record<string, string> = { n1: A, n3: C };

const ctx: EventContext = {
  nameOf: (address) => names[address] ?? address,
  addressOf: (id) => (id === null ? null : (addresses[id] ?? null)),
  versionOf: (id) => (id === null ? null : "7.0"),
  // C asked A for offset 311 under replid 3f2a… just before event 9.
  psyncBefore: (seq, replica, master) => (seq > 8 && replica === C && master === A ? { replid: "3f2a9c0000000000000000000000000000000000", offset: 311 } : null),
};

const fullForC = makeEvent(9, {
  source: "node",
  kind: "full-resync",
  nodeId: "n1" as NodeId,
  nodeName: "A",
  message: "full resync for 127.0.0.1:7003: offset 311 precedes the backlog's first byte 245281",
  detail: { kind: "full-resync", side: "master", peer: C, replid: "8f1c2b0000000000000000000000000000000000", offset: 300000, reason: "offset-before-backlog", backlogFirstByte: 245281, message: "" },
});

describe("event explanations from structured events", () => {
  it("say why a master refused a partial resync, with the replica's offset, in both languages", () => {
    expect(explainEvent(fullForC, en, ctx)).toEqual({ head: "full resync for C", reason: "offset 311 precedes the backlog's first byte 245281", serverText: null });
    expect(explainEvent(fullForC, zh, ctx)).toEqual({ head: "为 C 执行全量复制", reason: "偏移量 311 早于复制积压缓冲区的第一个字节 245281", serverText: null });
  });

  it("still give the reason when the replica's PSYNC has left the log", () => {
    const early = { ...fullForC, seq: 3 };
    expect(explainEvent(early, en, ctx).reason).toBe("the offset asked for precedes the backlog's first byte");
  });

  it("show the same figures in English and Chinese", () => {
    const partial = makeEvent(12, {
      source: "node",
      kind: "partial-resync",
      nodeId: "n1" as NodeId,
      detail: { kind: "partial-resync", side: "master", peer: C, replid: "8f1c2b0000000000000000000000000000000000", offset: 10274, backlogBytes: 106, backlogFirstByte: 10001, backlogLastByte: 10379, message: "" },
    });
    const figures = (s: string): string[] => s.match(/[\d,]+/g) ?? [];
    const english = eventLine(explainEvent(partial, en, ctx), en);
    const chinese = eventLine(explainEvent(partial, zh, ctx), zh);
    expect(english).toBe("partial resync accepted for C: offset 10274 inside backlog [10001, 10379]; sending 106 bytes from it");
    expect(figures(chinese)).toEqual(figures(english));
  });

  it("name an RDB child's and its pipe's steps in both languages, with the server's line beside", () => {
    const line = "Diskless rdb transfer, done reading from pipe, 2 replicas still up.";
    const pipeDone = makeEvent(14, { source: "node", kind: "warning", nodeId: "n1" as NodeId, message: line, detail: { kind: "warning", code: "rdb-pipe-done", message: line } });
    expect(explainEvent(pipeDone, en, ctx)).toEqual({ head: "the RDB child's pipe is read to its end: every replica still up took the whole RDB", reason: null, serverText: line });
    expect(explainEvent(pipeDone, zh, ctx).head).toBe("RDB 子进程的管道已读到结尾：仍在线的从节点都收到了整个 RDB");
    const killed = makeEvent(15, { source: "node", kind: "warning", nodeId: "n1" as NodeId, message: "x", detail: { kind: "warning", code: "rdb-pipe-dropped", message: "x" } });
    expect(explainEvent(killed, en, ctx).head).toBe("the last replica of the transfer is gone: the RDB child is killed");
  });

  it("keep the server's line where the event's fields cannot say why", () => {
    const dropped = makeEvent(20, {
      source: "node",
      kind: "link",
      nodeId: "n3" as NodeId,
      message: "error condition on socket for SYNC: Connection refused; retrying every second",
      detail: { kind: "link", state: "connect", masterAddress: A, message: "" },
    });
    expect(explainEvent(dropped, zh, ctx)).toEqual({
      head: "与主节点 A 的连接已断开；每秒重试一次",
      reason: null,
      serverText: "error condition on socket for SYNC: Connection refused; retrying every second",
    });
  });

  it("explain operator actions from the node's name and the lab's view of it", () => {
    const added = makeEvent(1, { nodeId: "n1" as NodeId, nodeName: "A" });
    expect(explainEvent(added, en, ctx).head).toBe("node A added at 127.0.0.1:7001 (redis 7.0)");
    expect(explainEvent(added, zh, ctx).head).toBe("添加了节点 A，地址 127.0.0.1:7001（redis 7.0）");
    const restarted = makeEvent(2, { kind: "restarted", detail: { kind: "restarted", wiped: true, replicaOf: null, configFile: "redis.conf", message: "" } });
    expect(explainEvent(restarted, en, ctx).head).toBe("node A restarted with a wiped disk");
    expect(explainEvent(restarted, en, ctx).reason).toBe("as a master: there is no replicaof in its redis.conf (a REPLICAOF typed at runtime is not kept)");
    const asReplica = makeEvent(4, { kind: "restarted", detail: { kind: "restarted", wiped: false, replicaOf: A, configFile: "redis.conf", message: "" } });
    expect(explainEvent(asReplica, zh, ctx).reason).toBe("以 A 的从节点身份启动：它的 redis.conf 里写了 replicaof");
    const rewritten = makeEvent(3, { kind: "config-file", detail: { kind: "config-file", message: "redis.conf of A rewritten; it takes effect at the next start" } });
    expect(eventLine(explainEvent(rewritten, zh, ctx), zh)).toBe("A 的配置文件已重写：下次启动时生效");
  });

  it("tell a save point, a load and a CONFIG REWRITE apart", () => {
    const persistence = (action: "save" | "load" | "save-point" | "config-rewrite", message = ""): LabEvent =>
      makeEvent(4, { source: "node", kind: "persistence", message, detail: { kind: "persistence", action, keys: 2, file: "dump.rdb", message } });
    expect(eventLine(explainEvent(persistence("load"), en, ctx), en)).toBe("DB loaded from disk (dump.rdb): 2 keys");
    expect(explainEvent(persistence("save-point", "1 changes in 3600 seconds. Saving... (save 3600 1)"), zh, ctx)).toEqual({
      head: "达到了自动保存条件：正在保存到 dump.rdb",
      reason: null,
      serverText: "1 changes in 3600 seconds. Saving... (save 3600 1)",
    });
    expect(explainEvent(persistence("config-rewrite"), en, ctx).head).toBe("CONFIG REWRITE wrote the running configuration to dump.rdb");
  });

  it("show a kind newer than this client by its name and the server's line", () => {
    const future = { ...makeEvent(30), kind: "vector-clock", message: "something new", detail: { kind: "vector-clock", message: "something new" } } as unknown as LabEvent;
    expect(explainEvent(future, zh, ctx)).toEqual({ head: "vector-clock", reason: null, serverText: "something new" });
    expect(eventKindLabel("full-resync", zh)).toBe("全量复制");
    // A 2.6 replica sends SYNC, 2.8 and later PSYNC: the kind names neither, the line says which.
    expect(eventKindLabel("psync-request", en)).toBe("sync request");
    expect(eventKindLabel("psync-request", zh)).toBe("同步请求");
  });
});

describe("each version's decisions in its own terms", () => {
  const versioned = (version: string): EventContext => ({ ...ctx, versionOf: (id) => (id === null ? null : version) });
  const node = { source: "node" as const, nodeId: "n1" as NodeId, nodeName: "A" };

  it("2.6: a SYNC on every reconnect, a full SYNC for every replica", () => {
    const sync = makeEvent(40, { ...node, kind: "psync-request", detail: { kind: "psync-request", side: "replica", replid: "", offset: -1, masterAddress: C, message: "" } });
    expect(eventLine(explainEvent(sync, en, versioned("2.6")), en)).toBe("SYNC sent to C: 2.6 has no partial resync: full SYNC on every reconnect");
    expect(eventLine(explainEvent(sync, zh, versioned("2.6")), zh)).toBe("向 C 发送 SYNC：2.6 没有部分重同步：每次重连都全量 SYNC");
    const full = makeEvent(41, { ...node, kind: "full-resync", detail: { kind: "full-resync", side: "master", peer: C, replid: "", offset: 0, reason: "sync-command", message: "" } });
    expect(eventLine(explainEvent(full, en, versioned("2.6")), en)).toBe("full SYNC for C: 2.6 has no partial resync: full SYNC on every reconnect");
    const loaded = makeEvent(42, { ...node, kind: "full-resync", detail: { kind: "full-resync", side: "replica", peer: C, replid: "", offset: 0, reason: "sync-command", message: "" } });
    expect(explainEvent(loaded, en, versioned("2.6")).head).toBe("full SYNC from master C");
  });

  it("2.8: run ids, not replids, in the refusal and the +CONTINUE", () => {
    const refused = { ...fullForC, detail: { ...fullForC.detail, reason: "replid-mismatch" as const } } as LabEvent;
    expect(eventLine(explainEvent(refused, en, versioned("2.8")), en)).toBe("2.8 partial resync refused for C: run id 3f2a9c… is not mine (8f1c2b…): a run id names a process, and this is another one");
    expect(eventLine(explainEvent(refused, zh, versioned("2.8")), zh)).toBe("2.8 拒绝了 C 的部分重同步：run id 3f2a9c… 不是我的（8f1c2b…）：run id 标识一个进程，而这是另一个进程");
    const accepted = makeEvent(43, { ...node, kind: "partial-resync", detail: { kind: "partial-resync", side: "master", peer: C, replid: "53b9aa0000000000000000000000000000000000", offset: 120, backlogBytes: 30, backlogFirstByte: 2, backlogLastByte: 150, message: "" } });
    expect(explainEvent(accepted, en, versioned("2.8")).reason).toBe("run id 53b9aa… is mine and offset 120 is inside the ring backlog [2, 150]: +CONTINUE, sending 30 bytes from it");
  });

  it("SSDB: seqs against the binlog window", () => {
    const out = makeEvent(44, { ...node, kind: "binlog-sync", detail: { kind: "binlog-sync", side: "master", peer: C, decision: "out-of-sync", seq: 55, minSeq: 10066, maxSeq: 10075, message: "" } });
    expect(eventLine(explainEvent(out, en, versioned("ssdb")), en)).toBe(
      "C is OUT_OF_SYNC: seq 55 not in [10066, 10075]: the records it needs were trimmed; upstream sends only noops until the slave is reset by hand",
    );
    const recover = makeEvent(45, { ...node, kind: "binlog-sync", detail: { kind: "binlog-sync", side: "master", peer: C, decision: "sync-recover", seq: 33, minSeq: 20, maxSeq: 40, message: "" } });
    expect(eventLine(explainEvent(recover, zh, versioned("ssdb")), zh)).toBe("为 C 恢复同步（sync recover）：seq 33 在 binlog [20, 40] 内：无需复制");
    expect(eventKindLabel("binlog-sync", en)).toBe("binlog sync");
  });
});
