// protocols/hid — pure HID report decoding for barcode scanners (keyboard wedge and HID POS). Import from here.
export { KeyboardDecoder, keyboardReports, type KeyboardDecoderOptions, type KeyboardOutput } from './keyboard.js';
export { PosDecoder, posReports, DEFAULT_POS_LAYOUT, type PosReportLayout, type PosOutput } from './pos.js';
export { LAYOUTS, type LayoutName, type Layout } from './layouts.js';
