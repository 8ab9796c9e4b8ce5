// gateway/llrp — what the reader client asks of a reader, as pure message builders: the reader options, what it
// learned from GET_READER_CAPABILITIES, SET_READER_CONFIG and ADD_ROSPEC for a continuous or GPI-triggered dock door,
// GPO writes. Optional parameters are named so a reader that rejects one can be asked again without it.
import {
  AISpecStopTriggerType,
  ParamType,
  ReaderEventType,
  ROReportTriggerType,
  ROSpecStartTriggerType,
  ROSpecStopTriggerType,
  IMPINJ_VENDOR_ID,
  ImpinjSubtype,
  impinjReportSelectorData,
  impinjSearchModeParam,
  type ImpinjSearchMode,
  type LlrpObject,
  ZEBRA_VENDOR_ID,
  ZebraSubtype,
  zebraReportSelectorData,
} from '../../protocols/llrp/index.js';

export type ReaderTrigger =
  | { kind: 'continuous' }
  | { kind: 'gpi'; startPort: number; startState: boolean; stopPort: number; stopState: boolean; stopAfterMs?: number };

export interface LlrpReaderOptions {
  /** Reader id from the gateway config (goes into every TagRead). */
  id: string;
  host: string;
  port?: number;
  antennas: Array<{ id: number; powerDbm?: number }>;
  trigger: ReaderTrigger;
  /** Keepalive period asked of the reader. */
  keepaliveMs: number;
  /** The link is declared dead after this many keepalive periods without any message. */
  missedKeepalives: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  backoff: { initialMs: number; maxMs: number };
  /**
   * Gen2 inventory settings for every antenna (C1G2InventoryCommand in the ROSpec): the reader's RF mode (its
   * UHFC1G2RFModeTable ModeIdentifier), session and tag population; on an Impinj reader also its search mode
   * (ImpinjInventorySearchMode, a Custom parameter in the command). Absent: the reader's own defaults.
   */
  inventory?: { modeIndex?: number; session?: number; tagPopulation?: number; searchMode?: ImpinjSearchMode };
}

/** RFTransmitter.ChannelIndex: the first channel (LLRP numbers channels from 1). */
export const FIRST_CHANNEL_INDEX = 1;

/** The one ROSpec the client owns on the reader. */
export const ROSPEC_ID = 1;

/** Parameters a reader may reject; each is retried without, and the downgrade logged once. */
export const OPTIONAL_PARAMETERS = {
  ResetToFactoryDefault: { paramType: -1, parents: [], what: 'reset to factory defaults before configuring' },
  EventsAndReports: { paramType: ParamType.EventsAndReports, parents: [], what: 'hold events and reports upon reconnect: off' },
  RFTransmitter: {
    paramType: ParamType.RFTransmitter,
    parents: [ParamType.AntennaConfiguration],
    what: 'transmit power per antenna (reader default power used)',
  },
  C1G2InventoryCommand: {
    paramType: 330, // C1G2InventoryCommand
    parents: [ParamType.AntennaConfiguration, 186 /* InventoryParameterSpec */],
    what: 'RF mode, session and tag population (the reader defaults used)',
  },
  ImpinjReportContent: {
    paramType: 1023, // Custom: ImpinjTagReportContentSelector
    parents: [ParamType.ROReportSpec],
    what: 'Impinj peak RSSI in 1/100 dBm, RF phase angle and Doppler in tag reports',
  },
  ZebraReportContent: {
    paramType: 1023, // Custom: MotoTagReportContentSelector
    parents: [ParamType.ROReportSpec],
    what: 'Zebra RF phase (MotoTagPhase) in tag reports',
  },
  ROSpecReportSpec: {
    paramType: ParamType.ROReportSpec,
    parents: [ParamType.ROSpec],
    what: 'report spec inside the ROSpec (reader-wide one used)',
  },
} as const satisfies Record<string, { paramType: number; parents: number[]; what: string }>;
export type OptionalParameter = keyof typeof OPTIONAL_PARAMETERS;

export interface BuiltRequest {
  name: string;
  body: LlrpObject;
  /** Optional parameters this request carries, in the order to give them up when the reader names none. */
  optionals: OptionalParameter[];
}

/** What the client keeps from GET_READER_CAPABILITIES_RESPONSE. */
export interface ReaderCapabilities {
  manufacturer: number;
  model: number;
  firmware: string;
  maxAntennas: number;
  numGpis: number;
  numGpos: number;
  /** TransmitPowerLevelTableEntry: index → dBm. */
  powerLevels: Array<{ index: number; dbm: number }>;
  hopTableId: number;
}

export function parseCapabilities(body: LlrpObject): ReaderCapabilities {
  const g = (body.GeneralDeviceCapabilities as LlrpObject | undefined) ?? {};
  const gpio = (g.GPIOCapabilities as LlrpObject | undefined) ?? {};
  const reg = (body.RegulatoryCapabilities as LlrpObject | undefined) ?? {};
  const uhf = (reg.UHFBandCapabilities as LlrpObject | undefined) ?? {};
  const power = (uhf.TransmitPowerLevelTableEntry as LlrpObject[] | undefined) ?? [];
  const freq = (uhf.FrequencyInformation as LlrpObject | undefined) ?? {};
  const hop = ((freq.FrequencyHopTable as LlrpObject[] | undefined) ?? [])[0];
  return {
    manufacturer: (g.DeviceManufacturerName as number) ?? 0,
    model: (g.ModelName as number) ?? 0,
    firmware: (g.ReaderFirmwareVersion as string) ?? '',
    maxAntennas: (g.MaxNumberOfAntennaSupported as number) ?? 0,
    numGpis: (gpio.NumGPIs as number) ?? 0,
    numGpos: (gpio.NumGPOs as number) ?? 0,
    powerLevels: power.map((p) => ({ index: p.Index as number, dbm: (p.TransmitPowerValue as number) / 100 })),
    hopTableId: (hop?.HopTableID as number | undefined) ?? 1,
  };
}

/** The power table index closest to `dbm` without exceeding it (the lowest level when all exceed it). */
export function powerIndexFor(dbm: number, levels: ReaderCapabilities['powerLevels']): number | undefined {
  if (levels.length === 0) return undefined;
  let best: { index: number; dbm: number } | undefined;
  for (const l of levels) if (l.dbm <= dbm && (!best || l.dbm > best.dbm)) best = l;
  if (best) return best.index;
  return levels.reduce((a, b) => (b.dbm < a.dbm ? b : a)).index;
}

export function buildFactoryReset(): BuiltRequest {
  return { name: 'SET_READER_CONFIG', body: { ResetToFactoryDefault: true }, optionals: ['ResetToFactoryDefault'] };
}

/**
 * The vendor report selector a reader is asked for, by its maker (GET_READER_CAPABILITIES' manufacturer): an Impinj
 * reader's peak RSSI, phase and Doppler, a Zebra reader's phase; none for another maker or once the reader refused it.
 */
function vendorReportContent(caps: ReaderCapabilities | undefined, dropped: ReadonlySet<OptionalParameter>): { name: OptionalParameter; custom: LlrpObject } | undefined {
  if (caps?.manufacturer === IMPINJ_VENDOR_ID && !dropped.has('ImpinjReportContent')) {
    return { name: 'ImpinjReportContent', custom: { VendorIdentifier: IMPINJ_VENDOR_ID, ParameterSubtype: ImpinjSubtype.TagReportContentSelector, Data: impinjReportSelectorData() } };
  }
  if (caps?.manufacturer === ZEBRA_VENDOR_ID && !dropped.has('ZebraReportContent')) {
    return { name: 'ZebraReportContent', custom: { VendorIdentifier: ZEBRA_VENDOR_ID, ParameterSubtype: ZebraSubtype.TagReportContentSelector, Data: zebraReportSelectorData() } };
  }
  return undefined;
}

/** The ROReportSpec, with the reader's vendor report selector when it has one. */
function roReportSpec(vendor: ReturnType<typeof vendorReportContent>): LlrpObject {
  return {
    ...(vendor ? { Custom: [vendor.custom] } : {}),
    ROReportTrigger: ROReportTriggerType.UponNTagsOrEndOfROSpec,
    N: 1,
    TagReportContentSelector: {
      EnableROSpecID: false,
      EnableSpecIndex: false,
      EnableInventoryParameterSpecID: false,
      EnableAntennaID: true,
      EnableChannelIndex: false,
      EnablePeakRSSI: true,
      EnableFirstSeenTimestamp: true,
      EnableLastSeenTimestamp: true,
      EnableTagSeenCount: true,
      EnableAccessSpecID: false,
    },
  };
}

const EVENTS_ON = [
  ReaderEventType.GPIEvent,
  ReaderEventType.ROSpecEvent,
  ReaderEventType.ReportBufferFillWarning,
  ReaderEventType.ReaderExceptionEvent,
  ReaderEventType.AntennaEvent,
];
const EVENTS_OFF = [
  ReaderEventType.HoppingToNextChannel,
  ReaderEventType.RFSurveyEvent,
  ReaderEventType.AISpecEvent,
  ReaderEventType.AISpecEventWithDetails,
];

export function buildSetReaderConfig(
  opts: LlrpReaderOptions,
  caps: ReaderCapabilities | undefined,
  dropped: ReadonlySet<OptionalParameter>,
): BuiltRequest {
  const optionals: OptionalParameter[] = [];
  const vendor = vendorReportContent(caps, dropped);
  if (vendor) optionals.push(vendor.name);
  const body: LlrpObject = {
    ResetToFactoryDefault: false,
    ReaderEventNotificationSpec: {
      EventNotificationState: [
        ...EVENTS_ON.map((t) => ({ EventType: t, NotificationState: true })),
        ...EVENTS_OFF.map((t) => ({ EventType: t, NotificationState: false })),
      ],
    },
    ROReportSpec: roReportSpec(vendor),
    KeepaliveSpec: { KeepaliveTriggerType: 1, PeriodicTriggerValue: opts.keepaliveMs },
  };
  if (!dropped.has('RFTransmitter') && caps) {
    const configs: LlrpObject[] = [];
    for (const a of opts.antennas) {
      if (a.powerDbm === undefined) continue;
      const index = powerIndexFor(a.powerDbm, caps.powerLevels);
      if (index === undefined) continue;
      configs.push({
        AntennaID: a.id,
        // LLRP numbers channels from 1 (0 is not a channel); a hopping reader uses the hop table and ignores it.
        RFTransmitter: { HopTableID: caps.hopTableId, ChannelIndex: FIRST_CHANNEL_INDEX, TransmitPower: index },
      });
    }
    if (configs.length > 0) {
      body.AntennaConfiguration = configs;
      optionals.push('RFTransmitter');
    }
  }
  if (!dropped.has('EventsAndReports')) {
    body.EventsAndReports = { HoldEventsAndReportsUponReconnect: false };
    optionals.push('EventsAndReports');
  }
  return { name: 'SET_READER_CONFIG', body, optionals };
}

export function buildAddRoSpec(opts: LlrpReaderOptions, dropped: ReadonlySet<OptionalParameter>, caps?: ReaderCapabilities): BuiltRequest {
  const t = opts.trigger;
  const start: LlrpObject =
    t.kind === 'gpi'
      ? {
          ROSpecStartTriggerType: ROSpecStartTriggerType.GPI,
          GPITriggerValue: { GPIPortNum: t.startPort, GPIEvent: t.startState, Timeout: 0 },
        }
      : { ROSpecStartTriggerType: ROSpecStartTriggerType.Null };
  const stop: LlrpObject =
    t.kind === 'gpi'
      ? {
          ROSpecStopTriggerType: ROSpecStopTriggerType.GPIWithTimeout,
          DurationTriggerValue: 0,
          GPITriggerValue: { GPIPortNum: t.stopPort, GPIEvent: t.stopState, Timeout: t.stopAfterMs ?? 0 },
        }
      : { ROSpecStopTriggerType: ROSpecStopTriggerType.Null, DurationTriggerValue: 0 };
  const rospec: LlrpObject = {
    ROSpecID: ROSPEC_ID,
    Priority: 0,
    CurrentState: 0,
    ROBoundarySpec: { ROSpecStartTrigger: start, ROSpecStopTrigger: stop },
    SpecParameter: [
      {
        param: 'AISpec',
        AntennaIDs: opts.antennas.length > 0 ? opts.antennas.map((a) => a.id) : [0],
        AISpecStopTrigger: { AISpecStopTriggerType: AISpecStopTriggerType.Null, DurationTrigger: 0 },
        InventoryParameterSpec: [{ InventoryParameterSpecID: 1, ProtocolID: 1 }],
      },
    ],
  };
  const optionals: OptionalParameter[] = [];
  const inv = inventoryCommandOf(opts.inventory, caps?.manufacturer === IMPINJ_VENDOR_ID);
  if (inv && !dropped.has('C1G2InventoryCommand')) {
    // AntennaID 0: every antenna of the AISpec.
    ((rospec.SpecParameter as LlrpObject[])[0]!.InventoryParameterSpec as LlrpObject[])[0]!.AntennaConfiguration = [{ AntennaID: 0, AirProtocolInventoryCommandSettings: [{ param: 'C1G2InventoryCommand', ...inv }] }];
    optionals.push('C1G2InventoryCommand');
  }
  if (!dropped.has('ROSpecReportSpec')) {
    const vendor = vendorReportContent(caps, dropped);
    rospec.ROReportSpec = roReportSpec(vendor);
    if (vendor) optionals.push(vendor.name);
    optionals.push('ROSpecReportSpec');
  }
  return { name: 'ADD_ROSPEC', body: { ROSpec: rospec }, optionals };
}

/**
 * C1G2InventoryCommand for the configured RF mode, session, population and (an Impinj reader only) search mode;
 * undefined when none is set. A session without a population (or the reverse) takes the other's LLRP-customary
 * default: session 1, population 16. Another maker's reader does not get Impinj's search mode.
 */
export function inventoryCommandOf(inv: LlrpReaderOptions['inventory'], impinj = false): LlrpObject | undefined {
  const search = impinj ? inv?.searchMode : undefined;
  if (!inv || (inv.modeIndex === undefined && inv.session === undefined && inv.tagPopulation === undefined && search === undefined)) return undefined;
  const cmd: LlrpObject = { TagInventoryStateAware: false };
  if (inv.modeIndex !== undefined) cmd.C1G2RFControl = { ModeIndex: inv.modeIndex, Tari: 0 };
  if (inv.session !== undefined || inv.tagPopulation !== undefined) {
    cmd.C1G2SingulationControl = { Session: inv.session ?? 1, TagPopulation: inv.tagPopulation ?? 16, TagTransitTime: 0 };
  }
  if (search !== undefined) cmd.Custom = [impinjSearchModeParam(search)];
  return cmd;
}

export function buildGpoWrite(port: number, state: boolean): BuiltRequest {
  return {
    name: 'SET_READER_CONFIG',
    body: { ResetToFactoryDefault: false, GPOWriteData: [{ GPOPortNumber: port, GPOData: state }] },
    optionals: [],
  };
}

/**
 * Which optional parameter a rejection points at: the innermost ParameterError type that is one of ours; when the
 * reader names no parameter at all, the first optional still carried. Undefined: the rejection is not about an
 * optional parameter (the caller treats it as a failure).
 */
export function optionalToDrop(carried: readonly OptionalParameter[], parameterPath: readonly number[]): OptionalParameter | undefined {
  for (let i = parameterPath.length - 1; i >= 0; i--) {
    const hit = carried.find((o) => OPTIONAL_PARAMETERS[o].paramType === parameterPath[i]);
    if (hit) return hit;
  }
  if (parameterPath.length === 0) return carried[0];
  // Blamed on the parameter that holds an optional one (e.g. AntennaConfiguration for its RFTransmitter).
  for (let i = parameterPath.length - 1; i >= 0; i--) {
    const hit = carried.find((o) => (OPTIONAL_PARAMETERS[o].parents as readonly number[]).includes(parameterPath[i]!));
    if (hit) return hit;
  }
  return undefined;
}
