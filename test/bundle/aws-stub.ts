/**
 * The bundle test's AWS (issue 11): one HTTP server on 127.0.0.1 that the bundles reach through
 * AWS_ENDPOINT_URL, answering Secrets Manager, KMS, SES v2, EventBridge Scheduler, Step
 * Functions and API Gateway in their own wire protocols (JSON 1.0/1.1 with X-Amz-Target, REST
 * JSON), minimal but shaped as the SDK expects; and a second one in front of DynamoDB Local
 * (AWS_ENDPOINT_URL_DYNAMODB) that forwards every call. Each call is checked against the IAM
 * statements of the caller's role in the template: the caller is the function its access key id
 * names (lambda.ts). A call the policy does not allow is answered AccessDenied, as AWS would,
 * and recorded; so is any operation the stub does not know.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import { ACCOUNT, REGION, type Assembly, type FunctionSpec, type PolicyStatement, type SecretSpec, type StateMachineSpec } from './assembly';
import { isAllowed } from './iam';
import { accessKeyIdOf } from './lambda';

export interface CallRecord {
  readonly caller: string;
  readonly service: string;
  readonly action: string;
  readonly resources: readonly string[];
  readonly allowed: boolean;
}

export interface SentMail {
  readonly caller: string;
  readonly identity: string;
  readonly configurationSet?: string;
  /** The message tags (EmailTags) of the send: `sendId` carries the idempotency key. */
  readonly tags: Readonly<Record<string, string>>;
  readonly raw: Buffer;
  readonly parsed: ParsedMail;
  readonly messageId: string;
}

export interface Schedule {
  readonly name: string;
  readonly group: string;
  readonly arn: string;
  readonly expression: string;
  readonly timezone?: string;
  readonly actionAfterCompletion?: string;
  readonly target: { Arn: string; RoleArn: string; Input?: string; DeadLetterConfig?: { Arn?: string } };
  readonly createdBy: string;
}

export interface Execution {
  readonly arn: string;
  readonly name: string;
  readonly machine: StateMachineSpec;
  readonly input: string;
  readonly startedBy: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: { error: string; cause?: string };
  done?: Promise<void>;
}

export interface AwsStubOptions {
  readonly assembly: Assembly;
  /** DynamoDB Local (started with -sharedDb). */
  readonly dynamoLocal: string;
  /** Runs a started execution (the state machine's definition with its tasks invoking bundles). */
  readonly runExecution: (execution: Execution) => Promise<void>;
}

class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** A value as CloudFormation's GenerateSecretString would make it (the options CDK emits). */
export function generateSecret(spec: Record<string, unknown>): string {
  let chars = '';
  if (!spec.ExcludeLowercase) chars += 'abcdefghijklmnopqrstuvwxyz';
  if (!spec.ExcludeUppercase) chars += 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  if (!spec.ExcludeNumbers) chars += '0123456789';
  if (!spec.ExcludePunctuation) chars += PUNCTUATION;
  if (spec.IncludeSpace) chars += ' ';
  const excluded = new Set(String(spec.ExcludeCharacters ?? ''));
  chars = [...chars].filter((c) => !excluded.has(c)).join('');
  const length = Number(spec.PasswordLength ?? 32);
  const bytes = randomBytes(length);
  const password = [...bytes].map((b) => chars[b % chars.length]).join('');
  if (spec.SecretStringTemplate && spec.GenerateStringKey) {
    return JSON.stringify({ ...(JSON.parse(String(spec.SecretStringTemplate)) as object), [String(spec.GenerateStringKey)]: password });
  }
  return password;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req as AsyncIterable<Buffer>) parts.push(part);
  return Buffer.concat(parts);
}

/** `Credential=<key>/<date>/<region>/<service>/aws4_request` of a SigV4 Authorization header. */
function credentialScope(req: IncomingMessage): { accessKeyId: string; region: string; service: string } | undefined {
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(String(req.headers.authorization ?? ''));
  return m ? { accessKeyId: m[1]!, region: m[2]!, service: m[3]! } : undefined;
}

export class AwsStub {
  readonly calls: CallRecord[] = [];
  readonly unexpected: string[] = [];
  readonly mails: SentMail[] = [];
  readonly schedules = new Map<string, Schedule>();
  readonly executions: Execution[] = [];
  /** Function paths whose GetSecretValue calls fail (Secrets Manager unavailable to them). */
  readonly failingSecretReads = new Set<string>();
  readonly secretReads: Array<{ caller: string; arn: string; failed: boolean }> = [];
  url = '';
  dynamoUrl = '';
  private readonly secretValues = new Map<string, { value: string; versionId: string; created: number }>();
  private readonly kmsKeys = new Map<string, Buffer>();
  private readonly callers = new Map<string, FunctionSpec>();
  private servers: Server[] = [];

  constructor(private readonly options: AwsStubOptions) {
    for (const fn of options.assembly.functions) this.callers.set(accessKeyIdOf(fn), fn);
    for (const secret of options.assembly.secrets) this.secretValues.set(secret.arn, this.newVersion(this.initialValue(secret)));
    for (const key of options.assembly.kmsKeys) this.kmsKeys.set(key.arn, randomBytes(32));
  }

  get denials(): CallRecord[] {
    return this.calls.filter((c) => !c.allowed);
  }

  /** The operator's `aws secretsmanager put-secret-value`. */
  putSecretValue(arn: string, value: string): void {
    if (!this.secretValues.has(arn)) throw new Error(`no secret ${arn}`);
    this.secretValues.set(arn, this.newVersion(value));
  }

  secretValue(arn: string): string {
    return this.secretValues.get(arn)!.value;
  }

  async start(): Promise<void> {
    const aws = createServer((req, res) => void this.handle(req, res));
    const dynamo = createServer((req, res) => void this.proxyDynamo(req, res));
    for (const server of [aws, dynamo]) {
      server.keepAliveTimeout = 5000;
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    }
    this.servers = [aws, dynamo];
    const port = (s: Server) => (s.address() as { port: number }).port;
    this.url = `http://127.0.0.1:${port(aws)}`;
    this.dynamoUrl = `http://127.0.0.1:${port(dynamo)}`;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((r) => {
            s.closeAllConnections();
            s.close(() => r());
          }),
      ),
    );
  }

  /** Whether `roleArn`'s statements allow the action (for services acting with a role: Scheduler, Step Functions). */
  roleAllows(roleArn: string, action: string, resource: string): boolean {
    return isAllowed(this.options.assembly.roleStatements.get(roleArn) ?? [], action, resource);
  }

  private initialValue(secret: SecretSpec): string {
    if (secret.secretString !== undefined) return secret.secretString;
    return generateSecret(secret.generate ?? {});
  }

  private newVersion(value: string) {
    return { value, versionId: randomUUID(), created: Date.now() / 1000 };
  }

  private statementsOf(fn: FunctionSpec): readonly PolicyStatement[] {
    return this.options.assembly.roleStatements.get(fn.roleArn) ?? [];
  }

  /** Records the call and throws AccessDenied unless every resource is allowed. */
  private authorize(caller: FunctionSpec, service: string, action: string, resources: string[], deniedStatus = 400): void {
    const statements = this.statementsOf(caller);
    const denied = resources.filter((r) => !isAllowed(statements, action, r));
    this.calls.push({ caller: caller.path, service, action, resources, allowed: denied.length === 0 });
    if (denied.length) {
      throw new AwsError(
        deniedStatus,
        'AccessDeniedException',
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/${caller.roleArn.split('/').pop()}/${caller.name} is not authorized to perform: ${action} on resource: ${denied[0]} because no identity-based policy allows the ${action} action`,
      );
    }
  }

  private callerOf(req: IncomingMessage): { fn: FunctionSpec; service: string } {
    const scope = credentialScope(req);
    if (!scope) throw new AwsError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    const fn = this.callers.get(scope.accessKeyId);
    if (!fn) throw new AwsError(403, 'UnrecognizedClientException', `The security token included in the request is invalid (${scope.accessKeyId})`);
    if (scope.region !== REGION) throw new AwsError(403, 'InvalidSignatureException', `Credential should be scoped to a valid region, not '${scope.region}'`);
    return { fn, service: scope.service };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const jsonVersion = target ? (String(req.headers['content-type']).includes('1.1') ? '1.1' : '1.0') : undefined;
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, {
        'Content-Type': jsonVersion ? `application/x-amz-json-${jsonVersion}` : 'application/json',
        'x-amzn-RequestId': randomUUID(),
      });
      res.end(JSON.stringify(payload));
    };
    try {
      const { fn, service } = this.callerOf(req);
      const input = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
      const url = new URL(req.url ?? '/', 'http://stub');
      let out: { status: number; body: unknown };
      if (service === 'secretsmanager') out = this.secretsManager(fn, target, input);
      else if (service === 'kms') out = this.kms(fn, target, input);
      else if (service === 'ses') out = await this.ses(fn, req.method ?? 'GET', url, input);
      else if (service === 'scheduler') out = this.scheduler(fn, req.method ?? 'GET', url, input);
      else if (service === 'states') out = this.stepFunctions(fn, target, input);
      else if (service === 'apigateway') out = this.apiGateway(fn, req.method ?? 'GET', url, input);
      else throw this.unknown(fn, `${service} ${req.method} ${url.pathname} ${target}`);
      send(out.status, out.body);
    } catch (error) {
      const e = error instanceof AwsError ? error : new AwsError(500, 'InternalFailure', String(error));
      res.setHeader('x-amzn-ErrorType', e.code);
      send(e.status, jsonVersion ? { __type: e.code, message: e.message } : { message: e.message, Message: e.message });
    }
  }

  private unknown(fn: FunctionSpec, what: string): AwsError {
    this.unexpected.push(`${fn.path}: ${what}`);
    return new AwsError(400, 'UnknownOperationException', `the bundle test's stub does not answer ${what}`);
  }

  // --- Secrets Manager (JSON 1.1)

  private findSecret(id: string): string {
    const arns = [...this.secretValues.keys()];
    const found = arns.find((arn) => arn === id) ?? arns.find((arn) => arn.startsWith(`${id}-`)) ?? arns.find((arn) => /secret:(.+)-[A-Za-z0-9]{6}$/.exec(arn)?.[1] === id);
    if (!found) throw new AwsError(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return found;
  }

  private secretsManager(fn: FunctionSpec, target: string, input: Record<string, unknown>) {
    const action = target.replace(/^secretsmanager\./, '');
    if (action === 'GetSecretValue' || action === 'DescribeSecret') {
      const arn = this.findSecret(String(input.SecretId ?? ''));
      this.authorize(fn, 'secretsmanager', `secretsmanager:${action}`, [arn]);
      const secret = this.secretValues.get(arn)!;
      const name = /secret:(.+)-[A-Za-z0-9]{6}$/.exec(arn)![1]!;
      if (action === 'DescribeSecret') return { status: 200, body: { ARN: arn, Name: name, VersionIdsToStages: { [secret.versionId]: ['AWSCURRENT'] } } };
      const failed = this.failingSecretReads.has(fn.path);
      this.secretReads.push({ caller: fn.path, arn, failed });
      if (failed) throw new AwsError(500, 'InternalServiceError', 'Secrets Manager is unavailable (the bundle test fails this read on purpose)');
      return { status: 200, body: { ARN: arn, Name: name, VersionId: secret.versionId, SecretString: secret.value, VersionStages: ['AWSCURRENT'], CreatedDate: secret.created } };
    }
    throw this.unknown(fn, `secretsmanager ${action}`);
  }

  // --- KMS (JSON 1.1): AES-256-GCM under a key per template key; the blob names its key, the context is the AAD.

  private findKey(keyId: string): string {
    for (const key of this.options.assembly.kmsKeys) if (keyId === key.arn || keyId === key.id) return key.arn;
    throw new AwsError(400, 'NotFoundException', `Key '${keyId}' does not exist`);
  }

  private kms(fn: FunctionSpec, target: string, input: Record<string, unknown>) {
    const action = target.replace(/^TrentService\./, '');
    const context = JSON.stringify(Object.entries((input.EncryptionContext ?? {}) as Record<string, string>).sort(([a], [b]) => a.localeCompare(b)));
    if (action === 'Encrypt') {
      const keyArn = this.findKey(String(input.KeyId ?? ''));
      this.authorize(fn, 'kms', 'kms:Encrypt', [keyArn]);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', this.kmsKeys.get(keyArn)!, iv).setAAD(Buffer.from(context));
      const data = Buffer.concat([cipher.update(Buffer.from(String(input.Plaintext ?? ''), 'base64')), cipher.final()]);
      const name = Buffer.from(keyArn);
      const blob = Buffer.concat([Buffer.from([name.length]), name, iv, cipher.getAuthTag(), data]);
      return { status: 200, body: { CiphertextBlob: blob.toString('base64'), KeyId: keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' } };
    }
    if (action === 'Decrypt') {
      const blob = Buffer.from(String(input.CiphertextBlob ?? ''), 'base64');
      const keyArn = blob.subarray(1, 1 + (blob[0] ?? 0)).toString();
      if (!this.kmsKeys.has(keyArn)) throw new AwsError(400, 'InvalidCiphertextException', 'The ciphertext is not a KMS ciphertext of this account');
      if (input.KeyId !== undefined && this.findKey(String(input.KeyId)) !== keyArn) throw new AwsError(400, 'IncorrectKeyException', 'The key ID in the request does not identify the KMS key used to encrypt the ciphertext');
      this.authorize(fn, 'kms', 'kms:Decrypt', [keyArn]);
      let at = 1 + blob[0]!;
      const iv = blob.subarray(at, (at += 12));
      const tag = blob.subarray(at, (at += 16));
      try {
        const decipher = createDecipheriv('aes-256-gcm', this.kmsKeys.get(keyArn)!, iv).setAAD(Buffer.from(context)).setAuthTag(tag);
        const plain = Buffer.concat([decipher.update(blob.subarray(at)), decipher.final()]);
        return { status: 200, body: { Plaintext: plain.toString('base64'), KeyId: keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' } };
      } catch {
        throw new AwsError(400, 'InvalidCiphertextException', 'The ciphertext or its encryption context does not match');
      }
    }
    throw this.unknown(fn, `kms ${action}`);
  }

  // --- SES v2 (REST JSON)

  /**
   * Email identities created at run time (issue 13's sender addresses), by address: pending until
   * `verifyIdentity` plays the owner following the link SES mailed on CreateEmailIdentity.
   */
  readonly identities = new Map<string, { verified: boolean; createdBy: string; verificationMails: number }>();

  /** The address's owner follows SES's verification link. */
  verifyIdentity(email: string): void {
    const identity = this.identities.get(email.toLowerCase());
    if (!identity) throw new Error(`SES holds no identity ${email} (identities: ${[...this.identities.keys()].join(', ')})`);
    identity.verified = true;
  }

  /** SES v2 CreateEmailIdentity / GetEmailIdentity / DeleteEmailIdentity (REST JSON, /v2/email/identities). */
  private emailIdentity(fn: FunctionSpec, method: string, url: URL, input: Record<string, unknown>) {
    const path = /^\/v2\/email\/identities(?:\/([^/]+))?$/.exec(url.pathname)!;
    const name = method === 'POST' && path[1] === undefined ? String(input.EmailIdentity ?? '') : decodeURIComponent(path[1] ?? '');
    const key = name.toLowerCase();
    const arn = `arn:aws:ses:${REGION}:${ACCOUNT}:identity/${name}`;
    const action = { POST: 'CreateEmailIdentity', GET: 'GetEmailIdentity', DELETE: 'DeleteEmailIdentity' }[method];
    if (!action || (method === 'POST') !== (path[1] === undefined)) throw this.unknown(fn, `ses ${method} ${url.pathname}`);
    this.authorize(fn, 'ses', `ses:${action}`, [arn], 403);
    if (!name) throw new AwsError(400, 'BadRequestException', 'EmailIdentity is required');
    const existing = this.identities.get(key) ?? (this.options.assembly.emailIdentities.some((i) => i.toLowerCase() === key) ? { verified: true, createdBy: 'template', verificationMails: 0 } : undefined);
    if (method === 'POST') {
      if (existing) throw new AwsError(400, 'AlreadyExistsException', `Email identity ${name} already exist.`);
      const type = name.includes('@') ? 'EMAIL_ADDRESS' : 'DOMAIN';
      this.identities.set(key, { verified: false, createdBy: fn.path, verificationMails: type === 'EMAIL_ADDRESS' ? 1 : 0 });
      return { status: 200, body: { IdentityType: type, VerifiedForSendingStatus: false, DkimAttributes: { SigningEnabled: false, Status: 'NOT_STARTED', SigningAttributesOrigin: 'AWS_SES' } } };
    }
    if (!existing) throw new AwsError(404, 'NotFoundException', `Email identity ${name} does not exist.`);
    if (method === 'DELETE') {
      this.identities.delete(key);
      return { status: 200, body: {} };
    }
    return {
      status: 200,
      body: {
        IdentityType: name.includes('@') ? 'EMAIL_ADDRESS' : 'DOMAIN',
        FeedbackForwardingStatus: true,
        VerifiedForSendingStatus: existing.verified,
        VerificationStatus: existing.verified ? 'SUCCESS' : 'PENDING',
        DkimAttributes: { SigningEnabled: false, Status: 'NOT_STARTED', SigningAttributesOrigin: 'AWS_SES' },
        MailFromAttributes: { BehaviorOnMxFailure: 'USE_DEFAULT_VALUE', MailFromDomainStatus: 'PENDING' },
        Policies: {},
        Tags: [],
      },
    };
  }

  private async ses(fn: FunctionSpec, method: string, url: URL, input: Record<string, unknown>) {
    if (/^\/v2\/email\/identities(\/|$)/.test(url.pathname)) return this.emailIdentity(fn, method, url, input);
    if (!(method === 'POST' && url.pathname === '/v2/email/outbound-emails')) throw this.unknown(fn, `ses ${method} ${url.pathname}`);
    const content = input.Content as { Raw?: { Data: string }; Simple?: unknown } | undefined;
    if (!content?.Raw) throw this.unknown(fn, 'ses SendEmail without Raw content');
    const raw = Buffer.from(content.Raw.Data, 'base64');
    const parsed = await simpleParser(raw);
    const from = String((input.FromEmailAddress as string | undefined) ?? parsed.from?.value[0]?.address ?? '').toLowerCase();
    const domain = from.split('@')[1] ?? '';
    const verifiedAtRunTime = [...this.identities].filter(([, i]) => i.verified).map(([name]) => name);
    const known = [...this.options.assembly.emailIdentities, ...verifiedAtRunTime];
    const identity = known.find((i) => i.toLowerCase() === from) ?? known.find((i) => i.toLowerCase() === domain);
    if (!identity) throw new AwsError(400, 'MessageRejected', `Email address is not verified. The following identities failed the check in region ${REGION}: ${from}`);
    // SES: a message tag's name and value hold 1-256 ASCII letters, digits, '_' and '-'.
    const tags = (input.EmailTags ?? []) as Array<{ Name?: unknown; Value?: unknown }>;
    for (const tag of tags) {
      for (const part of [tag.Name, tag.Value]) {
        if (typeof part !== 'string' || !/^[A-Za-z0-9_-]{1,256}$/.test(part)) throw new AwsError(400, 'BadRequestException', `Invalid message tag ${JSON.stringify(tag)}: names and values hold only ASCII letters, numbers, underscores and dashes`);
      }
    }
    const configurationSet = input.ConfigurationSetName === undefined ? undefined : String(input.ConfigurationSetName);
    if (configurationSet !== undefined && !this.options.assembly.configurationSets.includes(configurationSet)) {
      throw new AwsError(404, 'NotFoundException', `Configuration set <${configurationSet}> does not exist.`);
    }
    const resources = [`arn:aws:ses:${REGION}:${ACCOUNT}:identity/${identity}`];
    if (configurationSet) resources.push(`arn:aws:ses:${REGION}:${ACCOUNT}:configuration-set/${configurationSet}`);
    this.authorize(fn, 'ses', 'ses:SendEmail', resources, 403);
    const messageId = `${randomBytes(8).toString('hex')}-${randomUUID()}-000000`;
    this.mails.push({ caller: fn.path, identity, ...(configurationSet ? { configurationSet } : {}), tags: Object.fromEntries(tags.map((t) => [String(t.Name), String(t.Value)])), raw, parsed, messageId });
    return { status: 200, body: { MessageId: messageId } };
  }

  // --- EventBridge Scheduler (REST JSON)

  private scheduler(fn: FunctionSpec, method: string, url: URL, input: Record<string, unknown>) {
    const m = /^\/schedules\/([^/]+)$/.exec(url.pathname);
    if (!m) throw this.unknown(fn, `scheduler ${method} ${url.pathname}`);
    const name = decodeURIComponent(m[1]!);
    const group = String((method === 'POST' || method === 'PUT' ? input.GroupName : url.searchParams.get('groupName')) ?? 'default');
    const arn = `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/${group}/${name}`;
    const key = `${group}/${name}`;
    if (!this.options.assembly.scheduleGroups.includes(group)) throw new AwsError(404, 'ResourceNotFoundException', `Schedule group ${group} does not exist.`);
    if (method === 'POST') {
      this.authorize(fn, 'scheduler', 'scheduler:CreateSchedule', [arn], 403);
      if (!/^[0-9a-zA-Z._-]{1,64}$/.test(name)) throw new AwsError(400, 'ValidationException', `Invalid schedule name ${name}`);
      const target = input.Target as Schedule['target'] | undefined;
      const expression = String(input.ScheduleExpression ?? '');
      if (!target?.Arn || !target.RoleArn || !input.FlexibleTimeWindow || !/^(at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)|cron\(.+\)|rate\(.+\))$/.test(expression)) {
        throw new AwsError(400, 'ValidationException', 'Target (Arn, RoleArn), FlexibleTimeWindow and a valid ScheduleExpression are required');
      }
      // Scheduler checks that the caller may pass the role it names.
      this.authorize(fn, 'iam', 'iam:PassRole', [target.RoleArn], 403);
      if (this.schedules.has(key)) throw new AwsError(409, 'ConflictException', `Schedule ${name} already exists.`);
      this.schedules.set(key, {
        name,
        group,
        arn,
        expression,
        ...(input.ScheduleExpressionTimezone ? { timezone: String(input.ScheduleExpressionTimezone) } : {}),
        ...(input.ActionAfterCompletion ? { actionAfterCompletion: String(input.ActionAfterCompletion) } : {}),
        target,
        createdBy: fn.path,
      });
      return { status: 200, body: { ScheduleArn: arn } };
    }
    if (method === 'DELETE') {
      this.authorize(fn, 'scheduler', 'scheduler:DeleteSchedule', [arn], 403);
      if (!this.schedules.delete(key)) throw new AwsError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
      return { status: 200, body: {} };
    }
    if (method === 'GET') {
      this.authorize(fn, 'scheduler', 'scheduler:GetSchedule', [arn], 403);
      const s = this.schedules.get(key);
      if (!s) throw new AwsError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
      return { status: 200, body: { Arn: s.arn, Name: s.name, GroupName: s.group, ScheduleExpression: s.expression, Target: s.target, State: 'ENABLED' } };
    }
    throw this.unknown(fn, `scheduler ${method} ${url.pathname}`);
  }

  // --- Step Functions (JSON 1.0)

  private stepFunctions(fn: FunctionSpec, target: string, input: Record<string, unknown>) {
    const action = target.replace(/^AWSStepFunctions\./, '');
    if (action === 'StartExecution') {
      const machineArn = String(input.stateMachineArn ?? '');
      this.authorize(fn, 'states', 'states:StartExecution', [machineArn]);
      const machine = this.options.assembly.stateMachines.find((m) => m.arn === machineArn);
      if (!machine) throw new AwsError(400, 'StateMachineDoesNotExist', `State Machine Does Not Exist: '${machineArn}'`);
      const name = String(input.name ?? randomUUID());
      const text = String(input.input ?? '{}');
      try {
        JSON.parse(text);
      } catch {
        throw new AwsError(400, 'InvalidExecutionInput', 'Invalid State Machine Execution Input');
      }
      const arn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${machine.name}:${name}`;
      const existing = this.executions.find((e) => e.arn === arn);
      if (existing) {
        if (existing.input === text && existing.status === 'RUNNING') return { status: 200, body: { executionArn: arn, startDate: Date.now() / 1000 } };
        throw new AwsError(400, 'ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
      }
      const execution: Execution = { arn, name, machine, input: text, startedBy: fn.path, status: 'RUNNING' };
      this.executions.push(execution);
      execution.done = this.options.runExecution(execution);
      return { status: 200, body: { executionArn: arn, startDate: Date.now() / 1000 } };
    }
    if (action === 'DescribeExecution') {
      const arn = String(input.executionArn ?? '');
      this.authorize(fn, 'states', 'states:DescribeExecution', [arn]);
      const e = this.executions.find((x) => x.arn === arn);
      if (!e) throw new AwsError(400, 'ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
      return { status: 200, body: { executionArn: e.arn, stateMachineArn: e.machine.arn, name: e.name, status: e.status, input: e.input, startDate: Date.now() / 1000 } };
    }
    throw this.unknown(fn, `states ${action}`);
  }

  // --- API Gateway (REST JSON): the usage-plan keys of workspaces

  private apiGateway(fn: FunctionSpec, method: string, url: URL, input: Record<string, unknown>) {
    const resource = `arn:aws:apigateway:${REGION}::${url.pathname}`;
    if (method === 'POST' && url.pathname === '/apikeys') {
      this.authorize(fn, 'apigateway', 'apigateway:POST', [resource], 403);
      return { status: 201, body: { id: randomBytes(5).toString('hex'), name: input.name, value: input.value, enabled: input.enabled ?? false, createdDate: Date.now() / 1000, tags: input.tags ?? {} } };
    }
    const m = /^\/usageplans\/([^/]+)\/keys$/.exec(url.pathname);
    if (method === 'POST' && m) {
      this.authorize(fn, 'apigateway', 'apigateway:POST', [resource], 403);
      return { status: 201, body: { id: input.keyId, type: input.keyType, name: 'key' } };
    }
    throw this.unknown(fn, `apigateway ${method} ${url.pathname}`);
  }

  // --- DynamoDB: checked, then forwarded to DynamoDB Local

  private tableArn(nameOrArn: string): string {
    return nameOrArn.startsWith('arn:') ? nameOrArn : `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${nameOrArn}`;
  }

  /** The IAM actions and resources one DynamoDB call needs (transactions: those of their parts). */
  private dynamoChecks(op: string, input: Record<string, unknown>): Array<[string, string]> {
    const table = (t: unknown) => this.tableArn(String(t));
    const withIndex = (t: unknown, index: unknown) => (index ? `${table(t)}/index/${String(index)}` : table(t));
    switch (op) {
      case 'BatchGetItem':
      case 'BatchWriteItem':
        return Object.keys((input.RequestItems ?? {}) as object).map((t) => [`dynamodb:${op}`, table(t)]);
      case 'TransactWriteItems':
        return ((input.TransactItems ?? []) as Array<Record<string, { TableName: string }>>).map((item) => {
          const [kind, part] = Object.entries(item)[0]!;
          const action = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem' }[kind] ?? kind;
          return [`dynamodb:${action}`, table(part.TableName)];
        });
      case 'TransactGetItems':
        return ((input.TransactItems ?? []) as Array<{ Get: { TableName: string } }>).map((item) => ['dynamodb:GetItem', table(item.Get.TableName)]);
      case 'Query':
      case 'Scan':
        return [[`dynamodb:${op}`, withIndex(input.TableName, input.IndexName)]];
      default:
        return [[`dynamodb:${op}`, table(input.TableName)]];
    }
  }

  private async proxyDynamo(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    try {
      const { fn } = this.callerOf(req);
      const op = String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_20120810\./, '');
      const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      const checks = this.dynamoChecks(op, input);
      const byAction = new Map<string, string[]>();
      for (const [action, resource] of checks) byAction.set(action, [...(byAction.get(action) ?? []), resource]);
      for (const [action, resources] of byAction) this.authorize(fn, 'dynamodb', action, [...new Set(resources)]);
    } catch (error) {
      const e = error instanceof AwsError ? error : new AwsError(400, 'SerializationException', String(error));
      res.writeHead(e.status, { 'Content-Type': 'application/x-amz-json-1.0', 'x-amzn-ErrorType': e.code });
      res.end(JSON.stringify({ __type: `com.amazon.coral.service#${e.code}`, message: e.message }));
      return;
    }
    const target = new URL(this.options.dynamoLocal);
    const forward = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host, 'content-length': String(body.length) } },
      (upstream) => {
        res.writeHead(upstream.statusCode ?? 500, upstream.headers);
        upstream.pipe(res);
      },
    );
    forward.on('error', (error) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'com.amazon.coral.service#InternalServerError', message: String(error) }));
    });
    forward.end(body);
  }
}

/** A stable fingerprint of a secret value, for messages that must not print it. */
export const fingerprint = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 8);
