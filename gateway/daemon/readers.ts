// gateway/daemon — one reader client per gateway.yaml reader, whatever it speaks (llrp, impinj-iot, zebra-iotc): all
// three emit the same reads, GPI and state changes and answer the same calls, so the daemon and the portal engine
// treat them alike.
import type { Logger } from '../../protocols/logging/index.js';
import type { ReaderConfig } from '../config/schema.js';
import { ImpinjIotReaderClient } from '../impinj-iot/client.js';
import { LlrpReaderClient } from '../llrp/client.js';
import type { Runtime } from '../../runtime/runtime.js';
import { ZebraIotcReaderClient } from '../zebra-iotc/client.js';
import { impinjOptionsOf, readerOptionsOf, zebraOptionsOf } from './options.js';

export type ReaderClient = LlrpReaderClient | ImpinjIotReaderClient | ZebraIotcReaderClient;

export function createReaderClient(r: ReaderConfig, logger: Logger, runtime: Runtime): ReaderClient {
  switch (r.type) {
    case 'impinj-iot':
      return new ImpinjIotReaderClient(impinjOptionsOf(r), logger, runtime);
    case 'zebra-iotc':
      return new ZebraIotcReaderClient(zebraOptionsOf(r), logger, runtime);
    default:
      return new LlrpReaderClient(readerOptionsOf(r), logger, runtime);
  }
}
