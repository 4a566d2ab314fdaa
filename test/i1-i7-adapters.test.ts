/** SPEC I1, I7: the AWS adapters behind the token-cipher and workflow ports (aws-sdk-client-mock), and the local cipher. */
import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { randomBytes } from 'node:crypto';
import { createKmsTokenCipher } from '#shared/adapters/kms-token-cipher';
import { createSfnWorkflowRunner } from '#shared/adapters/sfn-workflow-runner';
import { createLocalTokenCipher } from '#shared/adapters/local-token-cipher';

describe('token cipher adapters', () => {
  it('I1, R3: KMS encrypts and decrypts under the configured key with the workspace and provider as encryption context', async () => {
    const kms = mockClient(KMSClient);
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Buffer.from('sealed') });
    kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from('the-token') });
    const cipher = createKmsTokenCipher('arn:aws:kms:ap-northeast-2:123456789012:key/abc', kms as unknown as KMSClient);
    const ctx = { workspaceId: 'ws1', provider: 'sixshop' };
    const sealed = await cipher.encrypt('the-token', ctx);
    expect(sealed).toBe(`k1.${Buffer.from('sealed').toString('base64url')}`);
    expect(sealed).not.toContain('the-token');
    expect(kms.commandCalls(EncryptCommand)[0]!.args[0].input).toMatchObject({ KeyId: 'arn:aws:kms:ap-northeast-2:123456789012:key/abc', EncryptionContext: ctx });
    expect(await cipher.decrypt(sealed, ctx)).toBe('the-token');
    expect(kms.commandCalls(DecryptCommand)[0]!.args[0].input).toMatchObject({ KeyId: 'arn:aws:kms:ap-northeast-2:123456789012:key/abc', EncryptionContext: ctx });
    await expect(cipher.decrypt('l1.a.b.c', ctx)).rejects.toThrow(/not a KMS/);
  });

  it('I1, R3: the local cipher is AES-256-GCM bound to its context; a tampered ciphertext fails', async () => {
    const cipher = createLocalTokenCipher(randomBytes(32));
    const ctx = { workspaceId: 'ws1', provider: 'donus' };
    const sealed = await cipher.encrypt('secret-token', ctx);
    expect(await cipher.decrypt(sealed, ctx)).toBe('secret-token');
    await expect(cipher.decrypt(sealed, { ...ctx, provider: 'sixshop' })).rejects.toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('x' + Buffer.from(parts[3]!, 'base64url').toString('latin1')).toString('base64url');
    await expect(cipher.decrypt(parts.join('.'), ctx)).rejects.toThrow();
    await expect(createLocalTokenCipher(randomBytes(32)).decrypt(sealed, ctx)).rejects.toThrow();
  });
});

describe('workflow runner adapter', () => {
  it('I7: StartExecution of the state machine, named after the job; a repeated start is not an error', async () => {
    const sfn = mockClient(SFNClient);
    sfn.on(StartExecutionCommand).resolvesOnce({ executionArn: 'arn:exec:1', startDate: new Date() }).rejectsOnce(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const runner = createSfnWorkflowRunner('arn:aws:states:ap-northeast-2:123456789012:stateMachine:imports', sfn as unknown as SFNClient);
    expect(await runner.startImport('job1', { jobId: 'job1', listId: 1 })).toEqual({ executionId: 'arn:exec:1' });
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input).toEqual({
      stateMachineArn: 'arn:aws:states:ap-northeast-2:123456789012:stateMachine:imports',
      name: 'job1',
      input: JSON.stringify({ jobId: 'job1', listId: 1 }),
    });
    expect(await runner.startImport('job1', { jobId: 'job1', listId: 1 })).toEqual({ executionId: 'job1' });
  });
});
