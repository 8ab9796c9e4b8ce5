// protocols/llrp — numbers from the LLRP 1.0.1 / 1.1 standard: message types, parameter types, status codes,
// enumerations a client needs, and the fixed value lengths of TV parameters.

/** Message type numbers (10 bits in the header). */
export const MessageType = {
  GET_READER_CAPABILITIES: 1,
  GET_READER_CONFIG: 2,
  SET_READER_CONFIG: 3,
  CLOSE_CONNECTION_RESPONSE: 4,
  GET_READER_CAPABILITIES_RESPONSE: 11,
  GET_READER_CONFIG_RESPONSE: 12,
  SET_READER_CONFIG_RESPONSE: 13,
  CLOSE_CONNECTION: 14,
  ADD_ROSPEC: 20,
  DELETE_ROSPEC: 21,
  START_ROSPEC: 22,
  STOP_ROSPEC: 23,
  ENABLE_ROSPEC: 24,
  DISABLE_ROSPEC: 25,
  GET_ROSPECS: 26,
  ADD_ROSPEC_RESPONSE: 30,
  DELETE_ROSPEC_RESPONSE: 31,
  START_ROSPEC_RESPONSE: 32,
  STOP_ROSPEC_RESPONSE: 33,
  ENABLE_ROSPEC_RESPONSE: 34,
  DISABLE_ROSPEC_RESPONSE: 35,
  GET_ROSPECS_RESPONSE: 36,
  ADD_ACCESSSPEC: 40,
  DELETE_ACCESSSPEC: 41,
  ENABLE_ACCESSSPEC: 42,
  DISABLE_ACCESSSPEC: 43,
  GET_ACCESSSPECS: 44,
  ADD_ACCESSSPEC_RESPONSE: 50,
  DELETE_ACCESSSPEC_RESPONSE: 51,
  ENABLE_ACCESSSPEC_RESPONSE: 52,
  DISABLE_ACCESSSPEC_RESPONSE: 53,
  GET_ACCESSSPECS_RESPONSE: 54,
  GET_REPORT: 60,
  RO_ACCESS_REPORT: 61,
  KEEPALIVE: 62,
  READER_EVENT_NOTIFICATION: 63,
  ENABLE_EVENTS_AND_REPORTS: 64,
  KEEPALIVE_ACK: 72,
  ERROR_MESSAGE: 100,
  CUSTOM_MESSAGE: 1023,
} as const;
export type MessageTypeName = keyof typeof MessageType;

/** Parameter type numbers used directly by code (the full table lives in schema.ts). */
export const ParamType = {
  AntennaID: 1,
  FirstSeenTimestampUTC: 2,
  FirstSeenTimestampUptime: 3,
  LastSeenTimestampUTC: 4,
  LastSeenTimestampUptime: 5,
  PeakRSSI: 6,
  ChannelIndex: 7,
  TagSeenCount: 8,
  ROSpecID: 9,
  InventoryParameterSpecID: 10,
  C1G2_CRC: 11,
  C1G2_PC: 12,
  EPC_96: 13,
  SpecIndex: 14,
  ClientRequestOpSpecResult: 15,
  AccessSpecID: 16,
  OpSpecID: 17,
  C1G2SingulationDetails: 18,
  C1G2XPCW1: 19,
  C1G2XPCW2: 20,
  UTCTimestamp: 128,
  Uptime: 129,
  ROSpec: 177,
  ROSpecStartTrigger: 179,
  ROSpecStopTrigger: 182,
  AISpec: 183,
  AISpecStopTrigger: 184,
  TagObservationTrigger: 185,
  AntennaConfiguration: 222,
  RFReceiver: 223,
  RFTransmitter: 224,
  EventsAndReports: 226,
  ROReportSpec: 237,
  TagReportContentSelector: 238,
  TagReportData: 240,
  EPCData: 241,
  RFSurveyReportData: 242,
  ReaderEventNotificationSpec: 244,
  EventNotificationState: 245,
  ReaderEventNotificationData: 246,
  GPIEvent: 248,
  ConnectionAttemptEvent: 256,
  LLRPStatus: 287,
  FieldError: 288,
  ParameterError: 289,
  C1G2EPCMemorySelector: 348,
  Custom: 1023,
} as const;

/**
 * Value length in bytes (after the 1-byte type) of every TV parameter type LLRP 1.0.1 and 1.1 define.
 * Index = TV type (0..127); 0 = not a TV type we know. A TV parameter carries no length: an unknown TV type ends
 * decoding of its message.
 */
export const TV_LENGTH: Uint8Array = (() => {
  const t = new Uint8Array(128);
  const set = (type: number, len: number) => (t[type] = len);
  set(1, 2); // AntennaID
  set(2, 8); // FirstSeenTimestampUTC
  set(3, 8); // FirstSeenTimestampUptime
  set(4, 8); // LastSeenTimestampUTC
  set(5, 8); // LastSeenTimestampUptime
  set(6, 1); // PeakRSSI
  set(7, 2); // ChannelIndex
  set(8, 2); // TagSeenCount
  set(9, 4); // ROSpecID
  set(10, 2); // InventoryParameterSpecID
  set(11, 2); // C1G2_CRC
  set(12, 2); // C1G2_PC
  set(13, 12); // EPC_96
  set(14, 2); // SpecIndex
  set(15, 2); // ClientRequestOpSpecResult
  set(16, 4); // AccessSpecID
  set(17, 2); // OpSpecID
  set(18, 4); // C1G2SingulationDetails
  set(19, 2); // C1G2XPCW1 (LLRP 1.1)
  set(20, 2); // C1G2XPCW2 (LLRP 1.1)
  return t;
})();

/** LLRPStatus StatusCode values. */
export const StatusCode = {
  M_Success: 0,
  M_ParameterError: 100,
  M_FieldError: 101,
  M_UnexpectedParameter: 102,
  M_MissingParameter: 103,
  M_DuplicateParameter: 104,
  M_OverflowParameter: 105,
  M_OverflowField: 106,
  M_UnknownParameter: 107,
  M_UnknownField: 108,
  M_UnsupportedMessage: 109,
  M_UnsupportedVersion: 110,
  M_UnsupportedParameter: 111,
  M_UnexpectedMessage: 112,
  P_ParameterError: 200,
  P_FieldError: 201,
  P_UnexpectedParameter: 202,
  P_MissingParameter: 203,
  P_DuplicateParameter: 204,
  P_OverflowParameter: 205,
  P_OverflowField: 206,
  P_UnknownParameter: 207,
  P_UnknownField: 208,
  P_UnsupportedParameter: 209,
  A_Invalid: 300,
  A_OutOfRange: 301,
  R_DeviceError: 401,
} as const;

export function statusName(code: number): string {
  for (const [k, v] of Object.entries(StatusCode)) if (v === code) return k;
  return `status ${code}`;
}

/** ConnectionAttemptEvent Status values. */
export const ConnectionAttemptStatus = {
  Success: 0,
  ReaderInitiatedConnectionExists: 1,
  ClientInitiatedConnectionExists: 2,
  OtherReason: 3,
  AnotherConnectionAttempted: 4,
} as const;

/** EventNotificationState EventType values. */
export const ReaderEventType = {
  HoppingToNextChannel: 0,
  GPIEvent: 1,
  ROSpecEvent: 2,
  ReportBufferFillWarning: 3,
  ReaderExceptionEvent: 4,
  RFSurveyEvent: 5,
  AISpecEvent: 6,
  AISpecEventWithDetails: 7,
  AntennaEvent: 8,
  SpecLoopEvent: 9, // LLRP 1.1
} as const;

export const ROSpecStartTriggerType = { Null: 0, Immediate: 1, Periodic: 2, GPI: 3 } as const;
export const ROSpecStopTriggerType = { Null: 0, Duration: 1, GPIWithTimeout: 2 } as const;
export const AISpecStopTriggerType = { Null: 0, Duration: 1, GPIWithTimeout: 2, TagObservation: 3 } as const;
export const ROReportTriggerType = { None: 0, UponNTagsOrEndOfAISpec: 1, UponNTagsOrEndOfROSpec: 2 } as const;
export const ROSpecState = { Disabled: 0, Inactive: 1, Active: 2 } as const;
export const ROSpecEventType = { StartOfROSpec: 0, EndOfROSpec: 1, PreemptionOfROSpec: 2 } as const;

/** Header protocol versions: 1 = LLRP 1.0.1, 2 = LLRP 1.1. */
export const LLRP_VERSION_1_0_1 = 1;
export const LLRP_VERSION_1_1 = 2;
export const HEADER_LENGTH = 10;
/** Default cap for one message (a lying length field must not make us buffer gigabytes). */
export const DEFAULT_MAX_MESSAGE_LENGTH = 4 * 1024 * 1024;
