// protocols/mqtt — the TLS part of an MQTT client's options, one module for gateway and hub: CA, client certificate
// and key (mutual TLS), certificate verification and SNI. Pure: the caller passes how a file is read, so an error
// names the config key and the file.
export interface MqttTlsSettings {
  /** CA bundle (PEM) that signed the broker's certificate (default: the system's CAs). */
  caFile?: string;
  /** Client certificate and key (PEM), for brokers that authenticate clients by certificate. */
  certFile?: string;
  keyFile?: string;
  /** Verify the broker's certificate. Default true; false only for a lab. */
  rejectUnauthorized?: boolean;
  /** Server name for SNI and certificate checks when it differs from the URL's host. */
  servername?: string;
}

export interface MqttTlsOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
}

export class MqttSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MqttSettingsError';
  }
}

/** `at` is the config key of the tls section (`mqtt.tls`, `broker.tls`); `read` reads a PEM file. */
export function mqttTlsOptions(tls: MqttTlsSettings, at: string, read: (path: string) => Buffer): MqttTlsOptions {
  if ((tls.certFile && !tls.keyFile) || (!tls.certFile && tls.keyFile)) {
    throw new MqttSettingsError(`${at}: certFile and keyFile go together (client certificate authentication needs both)`);
  }
  const pem = (what: 'caFile' | 'certFile' | 'keyFile', path: string) => {
    try {
      return read(path);
    } catch (err) {
      throw new MqttSettingsError(`${at}.${what}: cannot read ${path}: ${(err as Error).message}`);
    }
  };
  return {
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
    ...(tls.caFile ? { ca: pem('caFile', tls.caFile) } : {}),
    ...(tls.certFile ? { cert: pem('certFile', tls.certFile) } : {}),
    ...(tls.keyFile ? { key: pem('keyFile', tls.keyFile) } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
  };
}
