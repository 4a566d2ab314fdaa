/**
 * SPEC I1, R3: OAuth tokens are stored only encrypted. The context (workspace and provider) is
 * bound to the ciphertext, so a token copied to another workspace's record does not decrypt.
 * KMS in AWS (shared/adapters/kms-token-cipher.ts), AES-256-GCM with a local key file otherwise.
 */
export interface TokenCipher {
  encrypt(plaintext: string, context: Readonly<Record<string, string>>): Promise<string>;
  decrypt(ciphertext: string, context: Readonly<Record<string, string>>): Promise<string>;
}
