// protocols/llrp — reading an LLRPStatus out of a decoded response or ERROR_MESSAGE: success or not, the
// description, and the chain of ParameterError types that points at the parameter a reader rejected.
import { statusName } from './constants.js';
import type { LlrpObject } from './codec.js';

export interface LlrpStatusInfo {
  code: number;
  /** e.g. "M_UnsupportedParameter". */
  codeName: string;
  description: string;
  /** Parameter types from the outermost ParameterError to the innermost. */
  parameterPath: number[];
  /** FieldNum of the innermost FieldError, when given. */
  fieldNum?: number;
}

export function llrpStatusOf(body: LlrpObject): LlrpStatusInfo | undefined {
  const s = body.LLRPStatus as LlrpObject | undefined;
  if (!s) return undefined;
  const code = s.StatusCode as number;
  const info: LlrpStatusInfo = {
    code,
    codeName: statusName(code),
    description: (s.ErrorDescription as string) ?? '',
    parameterPath: [],
  };
  let fe = s.FieldError as LlrpObject | undefined;
  let pe = s.ParameterError as LlrpObject | undefined;
  for (let depth = 0; pe && depth < 32; depth++) {
    info.parameterPath.push(pe.ParameterType as number);
    fe = (pe.FieldError as LlrpObject | undefined) ?? fe;
    pe = pe.ParameterError as LlrpObject | undefined;
  }
  if (fe) info.fieldNum = fe.FieldNum as number;
  return info;
}
