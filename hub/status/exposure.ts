// hub/status — what the hub serves in plain text on the network: MQTT or REST without TLS on an address that is not
// loopback, anonymous MQTT clients let in from the network. Pure over the config; logged at start, shown in status.
import { isLoopback } from '../auth/bind.js';
import type { HubConfig } from '../config/schema.js';

export interface ExposureWarning {
  code: 'plain_mqtt' | 'plain_http' | 'anonymous_mqtt';
  /** The config key it is about. */
  subject: string;
  message: string;
}

export function exposureWarnings(config: HubConfig): ExposureWarning[] {
  const out: ExposureWarning[] = [];
  const b = config.broker;
  if (b.type === 'embedded') {
    const plain: Array<[string, string | undefined]> = [['broker.tcp', b.tcp.host], ['broker.websocket', b.websocket?.host]];
    for (const [key, host] of plain) {
      if (host === undefined || isLoopback(host)) continue;
      out.push({
        code: 'plain_mqtt',
        subject: key,
        message: `MQTT without TLS on ${host} (${key}), which is not loopback: gateway passwords and every event cross the network readable; use broker.tls, or bind ${key}.host to 127.0.0.1`,
      });
    }
    if (b.allowAnonymous && b.insecureAllowAnonymousOnNetwork) {
      out.push({
        code: 'anonymous_mqtt',
        subject: 'broker.insecureAllowAnonymousOnNetwork',
        message: 'INSECURE: anonymous MQTT clients are let in on network listeners: anyone who reaches the broker may read every topic and command every gateway',
      });
    }
  }
  if (!config.http.tls && !isLoopback(config.http.host)) {
    out.push({
      code: 'plain_http',
      subject: 'http',
      message: `REST API without TLS on ${config.http.host} (http), which is not loopback: API tokens cross the network readable; set http.tls, or bind http.host to 127.0.0.1 behind a TLS proxy`,
    });
  }
  return out;
}
