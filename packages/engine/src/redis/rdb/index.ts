/**
 * RDB v10 as redis 7.0.15 writes and reads it: the file a full sync transfers and a restart loads.
 */

export { Crc64, crc64 } from "./crc64.ts";
export { RDB_VERSION, type RdbValueTypeName } from "./encoding.ts";
export { RdbError, type RdbErrorCode } from "./errors.ts";
export { lzfCompress, lzfDecompress } from "./lzf.ts";
export {
  readRdb,
  scanRdbKeyEnds,
  type RdbKeyScan,
  type RdbChecksumStatus,
  type RdbReadOptions,
  type RdbReplicationInfo,
  type RdbSummary,
  type RdbUnsupportedKey,
  type RdbVisitor,
  readDumpPayload,
  verifyDumpPayload,
  type DumpPayloadValue,
} from "./reader.ts";
export { writeDumpPayload, writeRdb, type RdbAux, type RdbDatabase, type RdbWriteInput } from "./writer.ts";
