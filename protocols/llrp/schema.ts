// protocols/llrp — the table of LLRP messages and parameters this codec knows (LLRP 1.0.1 plus the 1.1 fields that
// fit its layout), written as compact text and parsed once at load. Field names follow the standard (LTK names).
//
// Field syntax  `Name:type`, types: u1 u2 u8 u16 u32 u64 s8 s16 s32 u96 (hex) u1v (bit-counted hex) u8v (bytes)
//               u16v u32v (number arrays) utf8v (string) bytesToEnd (bytes); `:rN` = N reserved bits.
// Sub-parameters `Name` (exactly one), `Name?` (0-1), `Name*` (0-N), `Name+` (1-N);
//               a choice slot is `Slot=TypeA|TypeB` and its decoded values carry `param: 'TypeA'`.

export type FieldType =
  | 'u1' | 'u2' | 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32'
  | 'u96' | 'u1v' | 'u8v' | 'u16v' | 'u32v' | 'utf8v' | 'bytesToEnd' | 'reserved';

export interface FieldDef {
  name: string;
  type: FieldType;
  /** Width in bits for fixed-width fields; 0 for variable ones. */
  bits: number;
}

export interface SlotDef {
  name: string;
  /** Parameter names that may fill this slot. */
  params: string[];
  choice: boolean;
  min: 0 | 1;
  many: boolean;
}

export interface ElementDef {
  name: string;
  type: number;
  isMessage: boolean;
  /** TV-encoded parameter (types 1..127). */
  tv: boolean;
  fields: FieldDef[];
  slots: SlotDef[];
  /** Parameter type number → index in `slots`; filled when the table is built. */
  slotOf: Map<number, number>;
}

const WIDTH: Record<string, number> = {
  u1: 1, u2: 2, u8: 8, u16: 16, u32: 32, u64: 64, s8: 8, s16: 16, s32: 32, u96: 96,
  u1v: 0, u8v: 0, u16v: 0, u32v: 0, utf8v: 0, bytesToEnd: 0,
};

const MESSAGES: Array<[number, string, string, string]> = [
  [1, 'GET_READER_CAPABILITIES', 'RequestedData:u8', 'Custom*'],
  [11, 'GET_READER_CAPABILITIES_RESPONSE', '',
    'LLRPStatus GeneralDeviceCapabilities? LLRPCapabilities? RegulatoryCapabilities? AirProtocolLLRPCapabilities=C1G2LLRPCapabilities? Custom*'],
  [2, 'GET_READER_CONFIG', 'AntennaID:u16 RequestedData:u8 GPIPortNum:u16 GPOPortNum:u16', 'Custom*'],
  [12, 'GET_READER_CONFIG_RESPONSE', '',
    'LLRPStatus Identification? AntennaProperties* AntennaConfiguration* ReaderEventNotificationSpec? ROReportSpec? AccessReportSpec? LLRPConfigurationStateValue? KeepaliveSpec? GPIPortCurrentState* GPOWriteData* EventsAndReports? Custom*'],
  [3, 'SET_READER_CONFIG', 'ResetToFactoryDefault:u1 :r7',
    'ReaderEventNotificationSpec? AntennaProperties* AntennaConfiguration* ROReportSpec? AccessReportSpec? KeepaliveSpec? GPOWriteData* GPIPortCurrentState* EventsAndReports? Custom*'],
  [13, 'SET_READER_CONFIG_RESPONSE', '', 'LLRPStatus'],
  [14, 'CLOSE_CONNECTION', '', ''],
  [4, 'CLOSE_CONNECTION_RESPONSE', '', 'LLRPStatus'],
  [20, 'ADD_ROSPEC', '', 'ROSpec'],
  [30, 'ADD_ROSPEC_RESPONSE', '', 'LLRPStatus'],
  [21, 'DELETE_ROSPEC', 'ROSpecID:u32', ''],
  [31, 'DELETE_ROSPEC_RESPONSE', '', 'LLRPStatus'],
  [22, 'START_ROSPEC', 'ROSpecID:u32', ''],
  [32, 'START_ROSPEC_RESPONSE', '', 'LLRPStatus'],
  [23, 'STOP_ROSPEC', 'ROSpecID:u32', ''],
  [33, 'STOP_ROSPEC_RESPONSE', '', 'LLRPStatus'],
  [24, 'ENABLE_ROSPEC', 'ROSpecID:u32', ''],
  [34, 'ENABLE_ROSPEC_RESPONSE', '', 'LLRPStatus'],
  [25, 'DISABLE_ROSPEC', 'ROSpecID:u32', ''],
  [35, 'DISABLE_ROSPEC_RESPONSE', '', 'LLRPStatus'],
  [26, 'GET_ROSPECS', '', ''],
  [36, 'GET_ROSPECS_RESPONSE', '', 'LLRPStatus ROSpec*'],
  [41, 'DELETE_ACCESSSPEC', 'AccessSpecID:u32', ''],
  [51, 'DELETE_ACCESSSPEC_RESPONSE', '', 'LLRPStatus'],
  [44, 'GET_ACCESSSPECS', '', ''],
  [54, 'GET_ACCESSSPECS_RESPONSE', '', 'LLRPStatus AccessSpec*'],
  [60, 'GET_REPORT', '', ''],
  [61, 'RO_ACCESS_REPORT', '', 'TagReportData* RFSurveyReportData* Custom*'],
  [62, 'KEEPALIVE', '', ''],
  [72, 'KEEPALIVE_ACK', '', ''],
  [63, 'READER_EVENT_NOTIFICATION', '', 'ReaderEventNotificationData'],
  [64, 'ENABLE_EVENTS_AND_REPORTS', '', ''],
  [100, 'ERROR_MESSAGE', '', 'LLRPStatus'],
  [1023, 'CUSTOM_MESSAGE', 'VendorIdentifier:u32 MessageSubtype:u8 Data:bytesToEnd', ''],
];

const C1G2_OPSPECS = 'C1G2Read|C1G2Write|C1G2Kill|C1G2Lock|C1G2BlockErase|C1G2BlockWrite';
const C1G2_OPRESULTS =
  'C1G2ReadOpSpecResult|C1G2WriteOpSpecResult|C1G2KillOpSpecResult|C1G2LockOpSpecResult|C1G2BlockEraseOpSpecResult|C1G2BlockWriteOpSpecResult|ClientRequestOpSpecResult';

const PARAMETERS: Array<[number, string, string, string]> = [
  // TV parameters (fixed value lengths, see TV_LENGTH)
  [1, 'AntennaID', 'AntennaID:u16', ''],
  [2, 'FirstSeenTimestampUTC', 'Microseconds:u64', ''],
  [3, 'FirstSeenTimestampUptime', 'Microseconds:u64', ''],
  [4, 'LastSeenTimestampUTC', 'Microseconds:u64', ''],
  [5, 'LastSeenTimestampUptime', 'Microseconds:u64', ''],
  [6, 'PeakRSSI', 'PeakRSSI:s8', ''],
  [7, 'ChannelIndex', 'ChannelIndex:u16', ''],
  [8, 'TagSeenCount', 'TagCount:u16', ''],
  [9, 'ROSpecID', 'ROSpecID:u32', ''],
  [10, 'InventoryParameterSpecID', 'InventoryParameterSpecID:u16', ''],
  [11, 'C1G2_CRC', 'CRC:u16', ''],
  [12, 'C1G2_PC', 'PC_Bits:u16', ''],
  [13, 'EPC_96', 'EPC:u96', ''],
  [14, 'SpecIndex', 'SpecIndex:u16', ''],
  [15, 'ClientRequestOpSpecResult', 'OpSpecID:u16', ''],
  [16, 'AccessSpecID', 'AccessSpecID:u32', ''],
  [17, 'OpSpecID', 'OpSpecID:u16', ''],
  [18, 'C1G2SingulationDetails', 'NumCollisionSlots:u16 NumEmptySlots:u16', ''],
  [19, 'C1G2XPCW1', 'Word:u16', ''],
  [20, 'C1G2XPCW2', 'Word:u16', ''],
  // TLV parameters
  [128, 'UTCTimestamp', 'Microseconds:u64', ''],
  [129, 'Uptime', 'Microseconds:u64', ''],
  [1023, 'Custom', 'VendorIdentifier:u32 ParameterSubtype:u32 Data:bytesToEnd', ''],
  [137, 'GeneralDeviceCapabilities',
    'MaxNumberOfAntennaSupported:u16 CanSetAntennaProperties:u1 HasUTCClockCapability:u1 :r14 DeviceManufacturerName:u32 ModelName:u32 ReaderFirmwareVersion:utf8v',
    'ReceiveSensitivityTableEntry* PerAntennaReceiveSensitivityRange* GPIOCapabilities PerAntennaAirProtocol* MaximumReceiveSensitivity?'],
  [139, 'ReceiveSensitivityTableEntry', 'Index:u16 ReceiveSensitivityValue:s16', ''],
  [149, 'PerAntennaReceiveSensitivityRange', 'AntennaID:u16 ReceiveSensitivityIndexMin:u16 ReceiveSensitivityIndexMax:u16', ''],
  [363, 'MaximumReceiveSensitivity', 'MaximumSensitivityValue:s16', ''],
  [140, 'PerAntennaAirProtocol', 'AntennaID:u16 ProtocolID:u8v', ''],
  [141, 'GPIOCapabilities', 'NumGPIs:u16 NumGPOs:u16', ''],
  [142, 'LLRPCapabilities',
    'CanDoRFSurvey:u1 CanReportBufferFillWarning:u1 SupportsClientRequestOpSpec:u1 CanDoTagInventoryStateAwareSingulation:u1 SupportsEventAndReportHolding:u1 :r3 MaxNumPriorityLevelsSupported:u8 ClientRequestOpSpecTimeout:u16 MaxNumROSpecs:u32 MaxNumSpecsPerROSpec:u32 MaxNumInventoryParameterSpecsPerAISpec:u32 MaxNumAccessSpecs:u32 MaxNumOpSpecsPerAccessSpec:u32',
    ''],
  [143, 'RegulatoryCapabilities', 'CountryCode:u16 CommunicationsStandard:u16', 'UHFBandCapabilities? Custom*'],
  [144, 'UHFBandCapabilities', '',
    'TransmitPowerLevelTableEntry+ FrequencyInformation AirProtocolUHFRFModeTable=C1G2UHFRFModeTable+ RFSurveyFrequencyCapabilities?'],
  [365, 'RFSurveyFrequencyCapabilities', 'MinimumFrequency:u32 MaximumFrequency:u32', ''],
  [145, 'TransmitPowerLevelTableEntry', 'Index:u16 TransmitPowerValue:s16', ''],
  [146, 'FrequencyInformation', 'Hopping:u1 :r7', 'FrequencyHopTable* FixedFrequencyTable?'],
  [147, 'FrequencyHopTable', 'HopTableID:u8 :r8 Frequency:u32v', ''],
  [148, 'FixedFrequencyTable', 'Frequency:u32v', ''],
  [177, 'ROSpec', 'ROSpecID:u32 Priority:u8 CurrentState:u8',
    'ROBoundarySpec SpecParameter=AISpec|RFSurveySpec|Custom+ ROReportSpec?'],
  [178, 'ROBoundarySpec', '', 'ROSpecStartTrigger ROSpecStopTrigger'],
  [179, 'ROSpecStartTrigger', 'ROSpecStartTriggerType:u8', 'PeriodicTriggerValue? GPITriggerValue?'],
  [180, 'PeriodicTriggerValue', 'Offset:u32 Period:u32', 'UTCTimestamp?'],
  [181, 'GPITriggerValue', 'GPIPortNum:u16 GPIEvent:u1 :r7 Timeout:u32', ''],
  [182, 'ROSpecStopTrigger', 'ROSpecStopTriggerType:u8 DurationTriggerValue:u32', 'GPITriggerValue?'],
  [183, 'AISpec', 'AntennaIDs:u16v', 'AISpecStopTrigger InventoryParameterSpec+ Custom*'],
  [184, 'AISpecStopTrigger', 'AISpecStopTriggerType:u8 DurationTrigger:u32', 'GPITriggerValue? TagObservationTrigger?'],
  [185, 'TagObservationTrigger', 'TriggerType:u8 :r8 NumberOfTags:u16 NumberOfAttempts:u16 T:u16 Timeout:u32', ''],
  [186, 'InventoryParameterSpec', 'InventoryParameterSpecID:u16 ProtocolID:u8', 'AntennaConfiguration* Custom*'],
  [187, 'RFSurveySpec', 'AntennaID:u16 StartFrequency:u32 EndFrequency:u32', 'RFSurveySpecStopTrigger Custom*'],
  [188, 'RFSurveySpecStopTrigger', 'StopTriggerType:u8 DurationPeriod:u32 N:u32', ''],
  [207, 'AccessSpec', 'AccessSpecID:u32 AntennaID:u16 ProtocolID:u8 CurrentState:u1 :r7 ROSpecID:u32',
    'AccessSpecStopTrigger AccessCommand AccessReportSpec? Custom*'],
  [208, 'AccessSpecStopTrigger', 'AccessSpecStopTrigger:u8 OperationCountValue:u16', ''],
  [209, 'AccessCommand', '', `AirProtocolTagSpec=C1G2TagSpec AccessCommandOpSpec=${C1G2_OPSPECS}+ Custom*`],
  [217, 'LLRPConfigurationStateValue', 'LLRPConfigurationStateValue:u32', ''],
  [218, 'Identification', 'IDType:u8 ReaderID:u8v', ''],
  [219, 'GPOWriteData', 'GPOPortNumber:u16 GPOData:u1 :r7', ''],
  [220, 'KeepaliveSpec', 'KeepaliveTriggerType:u8 PeriodicTriggerValue:u32', ''],
  [221, 'AntennaProperties', 'AntennaConnected:u1 :r7 AntennaID:u16 AntennaGain:s16', ''],
  [222, 'AntennaConfiguration', 'AntennaID:u16',
    'RFReceiver? RFTransmitter? AirProtocolInventoryCommandSettings=C1G2InventoryCommand* Custom*'],
  [223, 'RFReceiver', 'ReceiverSensitivity:u16', ''],
  [224, 'RFTransmitter', 'HopTableID:u16 ChannelIndex:u16 TransmitPower:u16', ''],
  [225, 'GPIPortCurrentState', 'GPIPortNum:u16 Config:u1 :r7 State:u8', ''],
  [226, 'EventsAndReports', 'HoldEventsAndReportsUponReconnect:u1 :r7', ''],
  [237, 'ROReportSpec', 'ROReportTrigger:u8 N:u16', 'TagReportContentSelector Custom*'],
  [238, 'TagReportContentSelector',
    'EnableROSpecID:u1 EnableSpecIndex:u1 EnableInventoryParameterSpecID:u1 EnableAntennaID:u1 EnableChannelIndex:u1 EnablePeakRSSI:u1 EnableFirstSeenTimestamp:u1 EnableLastSeenTimestamp:u1 EnableTagSeenCount:u1 EnableAccessSpecID:u1 :r6',
    'AirProtocolEPCMemorySelector=C1G2EPCMemorySelector* Custom*'],
  [239, 'AccessReportSpec', 'AccessReportTrigger:u8', ''],
  [240, 'TagReportData', '',
    `EPCParameter=EPCData|EPC_96 ROSpecID? SpecIndex? InventoryParameterSpecID? AntennaID? PeakRSSI? ChannelIndex? FirstSeenTimestampUTC? FirstSeenTimestampUptime? LastSeenTimestampUTC? LastSeenTimestampUptime? TagSeenCount? AirProtocolTagData=C1G2_PC|C1G2_CRC|C1G2XPCW1|C1G2XPCW2* AccessSpecID? AccessCommandOpSpecResult=${C1G2_OPRESULTS}* Custom*`],
  [241, 'EPCData', 'EPC:u1v', ''],
  [242, 'RFSurveyReportData', '', 'ROSpecID? SpecIndex? FrequencyRSSILevelEntry+ Custom*'],
  [243, 'FrequencyRSSILevelEntry', 'Frequency:u32 Bandwidth:u32 AverageRSSI:s8 PeakRSSI:s8', 'Timestamp=UTCTimestamp|Uptime'],
  [244, 'ReaderEventNotificationSpec', '', 'EventNotificationState+'],
  [245, 'EventNotificationState', 'EventType:u16 NotificationState:u1 :r7', ''],
  [246, 'ReaderEventNotificationData', '',
    'Timestamp=UTCTimestamp|Uptime HoppingEvent? GPIEvent? ROSpecEvent? ReportBufferLevelWarningEvent? ReportBufferOverflowErrorEvent? ReaderExceptionEvent? RFSurveyEvent? AISpecEvent? AntennaEvent? ConnectionAttemptEvent? ConnectionCloseEvent? SpecLoopEvent? Custom*'],
  [247, 'HoppingEvent', 'HopTableID:u16 NextChannelIndex:u16', ''],
  [248, 'GPIEvent', 'GPIPortNumber:u16 GPIEvent:u1 :r7', ''],
  [249, 'ROSpecEvent', 'EventType:u8 ROSpecID:u32 PreemptingROSpecID:u32', ''],
  [250, 'ReportBufferLevelWarningEvent', 'ReportBufferPercentageFull:u8', ''],
  [251, 'ReportBufferOverflowErrorEvent', '', ''],
  [252, 'ReaderExceptionEvent', 'Message:utf8v',
    'ROSpecID? SpecIndex? InventoryParameterSpecID? AntennaID? AccessSpecID? OpSpecID? Custom*'],
  [253, 'RFSurveyEvent', 'EventType:u8 ROSpecID:u32 SpecIndex:u16', ''],
  [254, 'AISpecEvent', 'EventType:u8 ROSpecID:u32 SpecIndex:u16', 'AirProtocolSingulationDetails=C1G2SingulationDetails?'],
  [255, 'AntennaEvent', 'EventType:u8 AntennaID:u16', ''],
  [256, 'ConnectionAttemptEvent', 'Status:u16', ''],
  [257, 'ConnectionCloseEvent', '', ''],
  [356, 'SpecLoopEvent', 'ROSpecID:u32 LoopCount:u32', ''],
  [287, 'LLRPStatus', 'StatusCode:u16 ErrorDescription:utf8v', 'FieldError? ParameterError?'],
  [288, 'FieldError', 'FieldNum:u16 ErrorCode:u16', ''],
  [289, 'ParameterError', 'ParameterType:u16 ErrorCode:u16', 'FieldError? ParameterError?'],
  [327, 'C1G2LLRPCapabilities',
    'CanSupportBlockErase:u1 CanSupportBlockWrite:u1 CanSupportBlockPermalock:u1 CanSupportTagRecommissioning:u1 CanSupportUMIMethod2:u1 CanSupportXPC:u1 :r2 MaxNumSelectFiltersPerQuery:u16',
    ''],
  [328, 'C1G2UHFRFModeTable', '', 'C1G2UHFRFModeTableEntry+'],
  [329, 'C1G2UHFRFModeTableEntry',
    'ModeIdentifier:u32 DRValue:u1 EPCHAGTCConformance:u1 :r6 MValue:u8 ForwardLinkModulation:u8 SpectralMaskIndicator:u8 BDRValue:u32 PIEValue:u32 MinTariValue:u32 MaxTariValue:u32 StepTariValue:u32',
    ''],
  [330, 'C1G2InventoryCommand', 'TagInventoryStateAware:u1 :r7',
    'C1G2Filter* C1G2RFControl? C1G2SingulationControl? Custom*'],
  [331, 'C1G2Filter', 'T:u2 :r6',
    'C1G2TagInventoryMask C1G2TagInventoryStateAwareFilterAction? C1G2TagInventoryStateUnawareFilterAction?'],
  [332, 'C1G2TagInventoryMask', 'MB:u2 :r6 Pointer:u16 TagMask:u1v', ''],
  [333, 'C1G2TagInventoryStateAwareFilterAction', 'Target:u8 Action:u8', ''],
  [334, 'C1G2TagInventoryStateUnawareFilterAction', 'Action:u8', ''],
  [335, 'C1G2RFControl', 'ModeIndex:u16 Tari:u16', ''],
  [336, 'C1G2SingulationControl', 'Session:u2 :r6 TagPopulation:u16 TagTransitTime:u32',
    'C1G2TagInventoryStateAwareSingulationAction?'],
  [337, 'C1G2TagInventoryStateAwareSingulationAction', 'I:u1 S:u1 :r6', ''],
  [338, 'C1G2TagSpec', '', 'C1G2TargetTag+'],
  [339, 'C1G2TargetTag', 'MB:u2 Match:u1 :r5 Pointer:u16 TagMask:u1v TagData:u1v', ''],
  [341, 'C1G2Read', 'OpSpecID:u16 AccessPassword:u32 MB:u2 :r6 WordPointer:u16 WordCount:u16', ''],
  [342, 'C1G2Write', 'OpSpecID:u16 AccessPassword:u32 MB:u2 :r6 WordPointer:u16 WriteData:u16v', ''],
  [343, 'C1G2Kill', 'OpSpecID:u16 KillPassword:u32', ''],
  [344, 'C1G2Lock', 'OpSpecID:u16 AccessPassword:u32', 'C1G2LockPayload+'],
  [345, 'C1G2LockPayload', 'Privilege:u8 DataField:u8', ''],
  [346, 'C1G2BlockErase', 'OpSpecID:u16 AccessPassword:u32 MB:u2 :r6 WordPointer:u16 WordCount:u16', ''],
  [347, 'C1G2BlockWrite', 'OpSpecID:u16 AccessPassword:u32 MB:u2 :r6 WordPointer:u16 WriteData:u16v', ''],
  [348, 'C1G2EPCMemorySelector', 'EnableCRC:u1 EnablePCBits:u1 EnableXPCBits:u1 :r5', ''],
  [349, 'C1G2ReadOpSpecResult', 'Result:u8 OpSpecID:u16 ReadData:u16v', ''],
  [350, 'C1G2WriteOpSpecResult', 'Result:u8 OpSpecID:u16 NumWordsWritten:u16', ''],
  [351, 'C1G2KillOpSpecResult', 'Result:u8 OpSpecID:u16', ''],
  [352, 'C1G2LockOpSpecResult', 'Result:u8 OpSpecID:u16', ''],
  [353, 'C1G2BlockEraseOpSpecResult', 'Result:u8 OpSpecID:u16', ''],
  [354, 'C1G2BlockWriteOpSpecResult', 'Result:u8 OpSpecID:u16 NumWordsWritten:u16', ''],
];

function parseFields(spec: string, where: string): FieldDef[] {
  if (!spec) return [];
  return spec.split(/\s+/).map((tok) => {
    const reserved = /^:r(\d+)$/.exec(tok);
    if (reserved) return { name: '', type: 'reserved', bits: Number(reserved[1]) };
    const [name, type] = tok.split(':');
    if (!name || !type || !(type in WIDTH)) throw new Error(`llrp schema: bad field "${tok}" in ${where}`);
    return { name, type: type as FieldType, bits: WIDTH[type]! };
  });
}

function parseSlots(spec: string): SlotDef[] {
  if (!spec) return [];
  return spec.split(/\s+/).map((tok) => {
    const m = /^([A-Za-z0-9_]+)(?:=([A-Za-z0-9_|]+))?([?*+]?)$/.exec(tok);
    if (!m) throw new Error(`llrp schema: bad sub-parameter "${tok}"`);
    const [, name, alts, card] = m;
    return {
      name: name!,
      params: alts ? alts.split('|') : [name!],
      choice: !!alts,
      min: card === '?' || card === '*' ? 0 : 1,
      many: card === '*' || card === '+',
    };
  });
}

function build(rows: Array<[number, string, string, string]>, isMessage: boolean): ElementDef[] {
  return rows.map(([type, name, fields, slots]) => ({
    name,
    type,
    isMessage,
    tv: !isMessage && type < 128,
    fields: parseFields(fields, name),
    slots: parseSlots(slots),
    slotOf: new Map(),
  }));
}

export const MESSAGE_DEFS: ReadonlyMap<number, ElementDef> = new Map(build(MESSAGES, true).map((d) => [d.type, d]));
export const PARAM_DEFS: ReadonlyMap<number, ElementDef> = new Map(build(PARAMETERS, false).map((d) => [d.type, d]));
export const MESSAGE_BY_NAME: ReadonlyMap<string, ElementDef> = new Map([...MESSAGE_DEFS.values()].map((d) => [d.name, d]));
export const PARAM_BY_NAME: ReadonlyMap<string, ElementDef> = new Map([...PARAM_DEFS.values()].map((d) => [d.name, d]));

// Resolve slot parameter names to type numbers; a typo in the table fails at load, not on the wire.
for (const def of [...MESSAGE_DEFS.values(), ...PARAM_DEFS.values()]) {
  def.slots.forEach((slot, i) => {
    for (const p of slot.params) {
      const pd = PARAM_BY_NAME.get(p);
      if (!pd) throw new Error(`llrp schema: ${def.name} refers to unknown parameter ${p}`);
      if (def.slotOf.has(pd.type)) throw new Error(`llrp schema: ${def.name} lists ${p} twice`);
      def.slotOf.set(pd.type, i);
    }
  });
}

/** Standard name of a parameter type, undefined when the codec does not know it. */
export function parameterName(type: number): string | undefined {
  return PARAM_DEFS.get(type)?.name;
}
