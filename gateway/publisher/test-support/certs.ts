// gateway/publisher — test support: a throw-away CA, a broker certificate for 127.0.0.1 and a gateway client
// certificate, made with the openssl CLI (EC P-256, valid one day).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCerts {
  caFile: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function keyAndCsr(dir: string, name: string, cn: string): void {
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.csr`), '-subj', `/CN=${cn}`]);
}

function sign(dir: string, ca: string, name: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(['x509', '-req', '-in', join(dir, `${name}.csr`), '-CA', join(dir, `${ca}.pem`), '-CAkey', join(dir, `${ca}.key`), '-CAcreateserial', '-out', join(dir, `${name}.pem`), '-days', '1', '-extfile', join(dir, `${name}.ext`)]);
}

/** A CA with a server and a client certificate; `prefix` lets one dir hold two unrelated CAs. */
export function makeCerts(dir: string, prefix = ''): TestCerts {
  const ca = `${prefix}ca`;
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, `${ca}.key`), '-out', join(dir, `${ca}.pem`), '-days', '1', '-subj', `/CN=dockgate test CA ${prefix}`]);
  keyAndCsr(dir, `${prefix}server`, 'localhost');
  sign(dir, ca, `${prefix}server`, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  keyAndCsr(dir, `${prefix}client`, 'gw-dock-3');
  sign(dir, ca, `${prefix}client`, 'extendedKeyUsage=clientAuth\n');
  return {
    caFile: join(dir, `${ca}.pem`),
    serverCert: join(dir, `${prefix}server.pem`),
    serverKey: join(dir, `${prefix}server.key`),
    clientCert: join(dir, `${prefix}client.pem`),
    clientKey: join(dir, `${prefix}client.key`),
  };
}
