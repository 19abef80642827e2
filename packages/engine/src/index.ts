/**
 * @replica-lab/engine: a sans-IO redis-server 7.0 replication engine with a deterministic
 * simulated network. The public surface is listed here; nothing else is imported by other packages.
 */
export { Lab, LabError } from "./lab/lab.ts";
export type { LabOptions, AddNodeOptions, CommandOutcome, LabErrorCode } from "./lab/lab.ts";
export type {
  NodeId,
  NodeStatus,
  NodeVersion,
  NodeSnapshot,
  LabSnapshot,
  LinkSnapshot,
  ReplicationEdgeSnapshot,
  AttachedReplicaSnapshot,
  BacklogSnapshot,
  TransferSnapshot,
  ClockSnapshot,
  LabEvent,
  LabAction,
  NodeStatsSnapshot,
  NodeConfigSnapshot,
} from "./lab/types.ts";
export { World, DEFAULT_LINK, ExternalConnection } from "./sim/world.ts";
export type { LinkSettings, ExternalEndpoint, WorldOptions, OutboundConnector, OutboundEvents, OutboundSocket } from "./sim/world.ts";
export { Prng } from "./sim/prng.ts";
export { RedisNode, REDIS_VERSION } from "./node/node.ts";
export type { NodeOptions } from "./node/node.ts";
export type { NodeEffect, ConnId } from "./node/effects.ts";
export type { TraceEvent, FullResyncReason, ReplicaLinkPhase } from "./node/trace.ts";
export type { ReplState } from "./replication/replica-side.ts";
export { SimDisk } from "./node/disk.ts";
export { defaultConfig, CONFIG_NAMES } from "./node/config.ts";
export type { NodeConfig, ConfigName } from "./node/config.ts";
export type { Reply } from "./resp/reply.ts";
export { encodeCommand, encodeReply } from "./resp/encode.ts";
export { RequestParser } from "./resp/request-parser.ts";
export { ReplyParser } from "./resp/reply-parser.ts";
export { formatReplyForCli } from "./resp/cli-format.ts";
export { replyToJson } from "./resp/reply-json.ts";
export type { JsonReply } from "./resp/reply-json.ts";
export { writeRdb } from "./rdb/writer.ts";
export { readRdb } from "./rdb/reader.ts";
export { RdbError } from "./rdb/errors.ts";
export { utf8, fromUtf8 } from "./util/bytes.ts";
