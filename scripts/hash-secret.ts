// scripts — hash a gateway password or API token for hub.yaml (scrypt). Usage:
//   npx tsx scripts/hash-secret.ts            (type the secret; it is not echoed)
//   printf %s "$SECRET" | npx tsx scripts/hash-secret.ts
//   npx tsx scripts/hash-secret.ts --generate (make a random 32-byte secret, print it and its hash)
import { randomBytes } from 'node:crypto';
import { hashSecret } from '../protocols/secrets/secret-hash.js';

async function readSecret(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  process.stderr.write('secret: ');
  stdin.setRawMode(true);
  let secret = '';
  return new Promise((resolve, reject) => {
    stdin.on('data', (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          process.stderr.write('\n');
          resolve(secret);
          return;
        }
        if (ch === '\u0003') {
          stdin.setRawMode(false);
          reject(new Error('cancelled'));
          return;
        }
        secret = ch === '\u007f' ? secret.slice(0, -1) : secret + ch;
      }
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h') || args.some((a) => a !== '--generate')) {
    console.error('usage: hash-secret.ts [--generate]   (reads the secret from stdin)');
    process.exit(args.includes('--help') || args.includes('-h') ? 0 : 64);
  }
  if (args.includes('--generate')) {
    const secret = randomBytes(32).toString('base64url');
    console.log(`secret: ${secret}`);
    console.log(`hash:   ${hashSecret(secret)}`);
    return;
  }
  const secret = await readSecret();
  if (secret.length === 0) {
    console.error('hash-secret: the secret is empty');
    process.exit(65);
  }
  console.log(hashSecret(secret));
}

main().catch((err: unknown) => {
  console.error(`hash-secret: ${(err as Error).message}`);
  process.exit(1);
});
