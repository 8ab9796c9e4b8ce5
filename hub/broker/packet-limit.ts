// hub/broker — the embedded broker's packet size limit, enforced at the MQTT fixed header: as soon as a packet's
// remaining length is parsed and exceeds the limit, the connection is closed, before its body is read or buffered.
// aedes (0.x/1.x) has no such option: its per-connection mqtt-packet parser is wrapped here.
import type { Client } from 'aedes';

/** Largest MQTT packet the embedded broker takes by default: a 4 MiB payload (the wire contract's) plus topic and headers. */
export const DEFAULT_MAX_PACKET_BYTES = 4 * 1024 * 1024 + 64 * 1024;

interface PacketParser {
  packet: { length: number; cmd?: string };
  _parseLength(): boolean;
  _emitError(err: Error): void;
}

/** Make `client`'s parser refuse any packet longer than `maxBytes`; `onRefused` hears of each (then the connection closes). */
export function limitPacketSize(client: Client, conn: { destroy(): void }, maxBytes: number, onRefused: (bytes: number) => void): void {
  const parser = (client as unknown as { _parser?: PacketParser })._parser;
  if (!parser || typeof parser._parseLength !== 'function') throw new Error('aedes client has no mqtt-packet parser to limit: the aedes version changed');
  const parseLength = parser._parseLength.bind(parser);
  parser._parseLength = () => {
    const done = parseLength();
    if (done && parser.packet.length > maxBytes) {
      const bytes = parser.packet.length;
      onRefused(bytes);
      parser._emitError(new Error(`packet of ${bytes} bytes exceeds the broker's limit of ${maxBytes} bytes`));
      conn.destroy();
      return false;
    }
    return done;
  };
}
