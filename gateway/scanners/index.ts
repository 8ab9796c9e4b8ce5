// gateway/scanners — barcode scanners at the dock: serial and HID drivers, and sessions that turn codes into scan events.
export { SerialScanner, type SerialScannerOptions, type PortLister } from './serial.js';
export type { ScannerStateChange, ScannerEvents } from './driver.js';
export { HidScanner, hidAvailability, checkHidSupport, loadNodeHid, type HidScannerOptions, type HidLoader, type HidModule, type HidDevice, type HidDeviceInfo } from './hid.js';
export { ScannerSession, type ScannerSessionOptions, type ContextRule, type ScannedCode, type ScanDraft, type ScanOutcome } from './session.js';
export { SerialFramer, type FramingOptions } from './framing.js';
