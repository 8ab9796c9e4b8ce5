import { describe, expect, it } from 'vitest';
import { SecretHashError, hashSecret, parseSecretHash, verifySecret } from './secret-hash.js';

const CHEAP = { N: 1024 };

describe('gateway secrets', () => {
  it('verifies the right secret and refuses a wrong one', async () => {
    const hash = hashSecret('door-7 secret', CHEAP);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(hash).not.toContain('door-7');
    await expect(verifySecret('door-7 secret', hash)).resolves.toBe(true);
    await expect(verifySecret('door-7 secreT', hash)).resolves.toBe(false);
    await expect(verifySecret('', hash)).resolves.toBe(false);
    await expect(verifySecret(Buffer.from('door-7 secret'), hash)).resolves.toBe(true);
  });

  it('salts: the same secret hashes differently each time', () => {
    expect(hashSecret('x', CHEAP)).not.toBe(hashSecret('x', CHEAP));
  });

  it('names what is wrong with a malformed hash', () => {
    expect(() => parseSecretHash('plaintext')).toThrow(SecretHashError);
    expect(() => parseSecretHash('plaintext')).toThrow(/scrypt\$N\$r\$p/);
    expect(() => parseSecretHash('scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==')).toThrow(/power of two/);
    expect(() => parseSecretHash('scrypt$1024$0$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAA==')).toThrow(/scrypt r/);
    expect(() => parseSecretHash('scrypt$1024$8$1$AA==$AAAAAAAAAAAAAAAAAAAAAA==')).toThrow(/salt of 1 bytes/);
    expect(() => parseSecretHash('scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA==$not base64!')).toThrow(/base64/);
    expect(() => hashSecret('')).toThrow(/empty/);
  });
});
