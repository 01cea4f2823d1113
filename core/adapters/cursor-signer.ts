import { createHmac, timingSafeEqual } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CursorSigner } from '../ports.ts';

/** Bytes of HMAC-SHA256 kept in a cursor: 128 bits is far beyond guessing. */
const TAG_BYTES = 16;

/**
 * {@link CursorSigner} with HMAC-SHA256. The key comes from `loadKey`, called once and cached
 * (a literal secret locally and in tests, Secrets Manager on AWS).
 */
export class HmacCursorSigner implements CursorSigner {
  private key: Promise<string> | null = null;

  constructor(private readonly loadKey: () => Promise<string>) {}

  async sign(data: string): Promise<string> {
    return createHmac('sha256', await this.secret())
      .update(data)
      .digest()
      .subarray(0, TAG_BYTES)
      .toString('base64url');
  }

  async verify(data: string, tag: string): Promise<boolean> {
    const expected = Buffer.from(await this.sign(data), 'base64url');
    const given = Buffer.from(tag, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private secret(): Promise<string> {
    this.key ??= this.loadKey().catch((error: unknown) => {
      this.key = null; // a failed fetch is retried by the next request
      throw error;
    });
    return this.key;
  }
}

/** Loads the signing key from a Secrets Manager secret (its `SecretString`). */
export function secretsManagerKey(
  secretArn: string,
  client = new SecretsManagerClient({}),
): () => Promise<string> {
  return async () => {
    const output = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!output.SecretString) throw new Error(`Secret ${secretArn} has no SecretString`);
    return output.SecretString;
  };
}
