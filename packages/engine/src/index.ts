/**
 * @replica-lab/engine: a sans-IO redis-server 7.0 replication engine with a deterministic
 * simulated network. The public surface is listed here; nothing else is imported by other packages.
 */
export { Lab, LabError } from "./lab/lab.ts";
export { SUBSCRIBING_COMMANDS } from "./lab/console.ts";
export type { LabOptions, AddNodeOptions, CommandOutcome, LabErrorCode, LabConnection, LabEndpoint, LabMemory } from "./lab/lab.ts";
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
export { asPsync2 } from "./lab/narrow.ts";
export type { Psync2NodeSnapshot } from "./lab/narrow.ts";
export { World, DEFAULT_LINK, ExternalConnection } from "./sim/world.ts";
export type { LinkSettings, ExternalEndpoint, WorldOptions, OutboundConnector, OutboundEvents, OutboundSocket } from "./sim/world.ts";
export { Prng } from "./sim/prng.ts";
export { setKeyHashSecret } from "./redis/store/sized-map.ts";
export { RedisNode } from "./redis/server.ts";
export { renderInfo } from "./redis/info.ts";
export { valueFingerprint } from "./redis/store/value.ts";
export { keyspacePage, datasetDigestHex } from "./redis/keyspace-view.ts";
export type { RedisValue } from "./redis/store/value.ts";
export { REDIS_7_0_VERSION as REDIS_VERSION } from "./protocols/redis-7.0/kind.ts";
export { NODE_VERSIONS, nodeKind, isNodeVersion } from "./kinds.ts";
export type { ProcessView } from "./kinds.ts";
export type { NodeProcess, NodeKind, BootContext, PeerProbe, ProcessViewCommon } from "./process/contract.ts";
export type { Redis70View } from "./protocols/redis-7.0/view.ts";
export type { Redis26View } from "./protocols/redis-2.6/view.ts";
export type { Redis28View } from "./protocols/redis-2.8/view.ts";
export type { Redis40View } from "./protocols/redis-4.0/view.ts";
export type { SsdbView, SsdbReplicaView, BinlogWindowView, PinnedSnapshotView } from "./protocols/ssdb/view.ts";
export { InputLog } from "./lab/input-log.ts";
export type { LabInput, LabOrigin, OutboundLogEvent } from "./lab/input-log.ts";
export type { TimeInput } from "./lab/lab.ts";
export { ReplayCursor, isTimeInput } from "./lab/replay-cursor.ts";
export { CheckpointChain } from "./lab/fork.ts";
export type { LogSource } from "./lab/replay-cursor.ts";
export { RECORDING_FORMAT, encodeRecording, decodeRecording, encodeLabInput, decodeLabInput, encodeLabOrigin, decodeLabOrigin } from "./lab/recording.ts";
export type { Recording, RecordingFile, RecordingParent, LayoutPoint, DecodedRecording } from "./lab/recording.ts";
export { parseConfigFile, rewriteConfigFile, splitConfigArgs } from "./redis/config-file.ts";
export type { NodeOptions } from "./redis/server.ts";
export type { NodeEffect, ConnId } from "./process/effects.ts";
export type { TraceEvent, FullResyncReason, ReplicaLinkPhase } from "./process/trace.ts";
export type { ReplState } from "./protocols/redis-7.0/replica-side.ts";
export { SimDisk } from "./process/disk.ts";
export { defaultConfig, CONFIG_NAMES } from "./redis/config.ts";
export type { NodeConfig, ConfigName } from "./redis/config.ts";
export type { Reply } from "./redis/resp/reply.ts";
export { encodeCommand, encodeReply } from "./redis/resp/encode.ts";
export { RequestParser } from "./redis/resp/request-parser.ts";
export { ReplyParser } from "./redis/resp/reply-parser.ts";
export { formatReplyForCli } from "./redis/resp/cli-format.ts";
export { replyToJson } from "./redis/resp/reply-json.ts";
export type { JsonReply } from "./redis/resp/reply-json.ts";
export { writeRdb } from "./redis/rdb/writer.ts";
export { readRdb } from "./redis/rdb/reader.ts";
export { RdbError } from "./redis/rdb/errors.ts";
export { utf8, fromUtf8 } from "./util/bytes.ts";
export { ConversationRecorder, conversationAt, replayWithConversation, labPeers, BATCH_WINDOW_MS } from "./sequence/conversation.ts";
export type { Conversation, ConversationPeers } from "./sequence/conversation.ts";
export { WIRE_MESSAGE_KINDS, escapeBytes, shortenIds } from "./sequence/wire-message.ts";
export type { WireFault, WireMessage, WireMessageKind } from "./sequence/wire-message.ts";
export type { WireTap } from "./sim/world.ts";
export { COMPARE_VERSIONS, compareProtocols, costsAt, markText, translateLog, syncsOf } from "./sequence/compare.ts";
export type { CompareCosts, CompareFigures, CompareLane, CompareLaneEvent, CompareMark, CompareMoment, CompareNodeState, CompareSync } from "./sequence/compare.ts";
export { differencesOf, bytesText } from "./sequence/compare-differences.ts";
export type { CompareDifference, CompareDifferencePart } from "./sequence/compare-differences.ts";
