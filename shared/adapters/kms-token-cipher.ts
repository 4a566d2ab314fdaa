/** TokenCipher in AWS: KMS Encrypt/Decrypt under the stack's key, the context as EncryptionContext. */
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import type { TokenCipher } from '#shared/ports/token-cipher';

const VERSION = 'k1';

export function createKmsTokenCipher(keyId: string, client = new KMSClient({})): TokenCipher {
  return {
    async encrypt(plaintext, context) {
      const res = await client.send(
        new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(plaintext, 'utf8'), EncryptionContext: { ...context } }),
      );
      if (!res.CiphertextBlob) throw new Error('KMS returned no ciphertext');
      return `${VERSION}.${Buffer.from(res.CiphertextBlob).toString('base64url')}`;
    },
    async decrypt(ciphertext, context) {
      const [version, blob] = ciphertext.split('.');
      if (version !== VERSION || !blob) throw new Error('not a KMS token ciphertext');
      // KeyId pins the key: a ciphertext made under another key is refused rather than decrypted.
      const res = await client.send(
        new DecryptCommand({ KeyId: keyId, CiphertextBlob: Buffer.from(blob, 'base64url'), EncryptionContext: { ...context } }),
      );
      if (!res.Plaintext) throw new Error('KMS returned no plaintext');
      return Buffer.from(res.Plaintext).toString('utf8');
    },
  };
}
