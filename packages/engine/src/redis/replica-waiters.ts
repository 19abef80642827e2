/**
 * Clients blocked in WAIT (replication.c waitCommand, processClientsWaitingReplicas,
 * replicationCountAcksByOffset), for a version whose master side keeps replicas its own way: it
 * says how many online replicas acknowledged an offset and how to ask them for ACKs (a GETACK in
 * the stream at the next beforeSleep).
 */
import { writeInteger } from "./resp/encode.ts";
import type { Client } from "./client.ts";
import type { RedisNode } from "./server.ts";

/** What WAIT reads from a master side. An object, not closures, so labs can be forked. */
export interface AckSource {
  /** Online replicas whose last ACK reached `offset`. */
  countAcked(offset: number): number;
  /** Ask every replica for an ACK (server.get_ack_from_slaves). */
  requestAcks(): void;
}

export class ReplicaWaiters {
  private readonly waiting: Client[] = [];

  constructor(
    private readonly node: RedisNode,
    private readonly acks: AckSource,
  ) {}

  /** WAIT numreplicas timeout: answered at once when enough replicas acked or inside MULTI; else blocked. */
  wait(client: Client, wanted: number, timeoutMs: number): void {
    const target = client.woff;
    const acked = this.acks.countAcked(target);
    if (acked >= wanted || client.multi !== null) {
      writeInteger(client.out, acked);
      return;
    }
    client.blockedWait = { target, wanted, deadlineMs: timeoutMs === 0 ? Infinity : this.node.nowMs + timeoutMs };
    this.waiting.push(client);
    this.acks.requestAcks();
  }

  /** processClientsWaitingReplicas (beforeSleep). */
  process(): void {
    for (const client of [...this.waiting]) {
      const wait = client.blockedWait!;
      const acked = this.acks.countAcked(wait.target);
      if (acked >= wait.wanted) this.finish(client, acked);
    }
  }

  /** A blocked client is gone. */
  unblock(client: Client): void {
    const index = this.waiting.indexOf(client);
    if (index >= 0) this.waiting.splice(index, 1);
    client.blockedWait = null;
  }

  /** Clients whose timeout passed get the count as it is. */
  handleTimeouts(): void {
    for (const client of [...this.waiting]) {
      const wait = client.blockedWait!;
      if (this.node.nowMs >= wait.deadlineMs) this.finish(client, this.acks.countAcked(wait.target));
    }
  }

  earliestDeadline(): number {
    let earliest = Infinity;
    for (const client of this.waiting) earliest = Math.min(earliest, client.blockedWait!.deadlineMs);
    return earliest;
  }

  get count(): number {
    return this.waiting.length;
  }

  private finish(client: Client, count: number): void {
    this.unblock(client);
    writeInteger(client.out, count);
    this.node.markOutput(client);
    // The client may have pipelined more commands behind the WAIT.
    this.node.processInput(client);
  }
}
