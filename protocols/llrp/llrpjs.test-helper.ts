// protocols/llrp — test helper: llrpjs (a third-party LLRP library, devDependency) loaded for cross-checks.
// Used only by tests and the benchmark, never by production code.
import { createRequire } from 'node:module';

export interface LlrpjsMessageCtor {
  new (arg: Buffer | { id: number; type: string; data: Record<string, unknown> }): {
    encode(): { getBuffer(): Buffer };
    decode(): { toLLRPData(): { id: number; type: string; data: Record<string, unknown> } };
  };
}

const require = createRequire(import.meta.url);
export const llrpjs = require('llrpjs') as { LLRPMessage: LlrpjsMessageCtor };
