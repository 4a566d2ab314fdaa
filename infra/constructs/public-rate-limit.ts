import { CfnRegexPatternSet, CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import { throttledPerIp, type RouteDefinition } from '../../shared/routes';
import { errorEnvelope } from '../../shared/http/envelope';
import { ApiError } from '../../shared/http/errors';

/** AWS WAF's limits on a regex pattern set (per regex, regexes per set). */
const MAX_REGEX_CHARS = 200;
const MAX_REGEXES = 10;
export const WAF_WINDOWS = [60, 120, 300, 600] as const;
export type WafWindowSeconds = (typeof WAF_WINDOWS)[number];
/** Requests per client IP per five minutes on the public routes (context `wafPublicRateLimit`). */
export const DEFAULT_WAF_PUBLIC_LIMIT = 1000;

const escapeRegex = (s: string) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');

/**
 * The public routes' paths (throttledPerIp) as regexes WAF matches the URI path against, packed
 * into as few as fit WAF's 200 characters each. The execute-api URL starts with the stage
 * (`/prod/v1/t/open/...`), a custom domain does not: one optional leading segment covers both.
 */
export function publicPathPatterns(routes: readonly RouteDefinition[]): string[] {
  const alternatives = [...new Set(routes.filter(throttledPerIp).map((r) => r.path.split(/\{\w+\}/).map(escapeRegex).join('[^/]+')))].sort();
  const wrap = (alts: string[]) => `^(/[^/]+)?(${alts.join('|')})/?$`;
  const out: string[][] = [];
  for (const alt of alternatives) {
    const last = out[out.length - 1];
    if (last && wrap([...last, alt]).length <= MAX_REGEX_CHARS) last.push(alt);
    else out.push([alt]);
  }
  const patterns = out.map(wrap);
  const tooLong = patterns.find((p) => p.length > MAX_REGEX_CHARS);
  if (tooLong) throw new Error(`public path pattern longer than WAF's ${MAX_REGEX_CHARS} characters: ${tooLong}`);
  if (patterns.length > MAX_REGEXES) throw new Error(`${patterns.length} public path patterns: WAF takes ${MAX_REGEXES} a set`);
  return patterns;
}

export interface PublicRateLimitProps {
  readonly restApi: RestApi;
  readonly routes: readonly RouteDefinition[];
  /** Part of the web ACL's and metrics' names. */
  readonly stage: string;
  /** Requests per client IP per window before WAF answers 429 (WAF's minimum is 10). */
  readonly limit: number;
  readonly windowSeconds?: WafWindowSeconds;
}

/**
 * Issue 14, optional (context `waf=true`, docs/deploy.md): a regional WAF web ACL on the API's
 * stage with one rate-based rule, per client IP, scoped to the public routes (links in emails,
 * the OAuth pages, the docs): the AWS twin of the local server's per-IP token bucket. Routes with
 * an API key are left to the usage plan (10/s per workspace); SNS's endpoint is not public in
 * this sense (perIpThrottle false). Blocked requests get 429 with the API's error envelope.
 * Three resources, all in the root stack beside the stage they guard.
 */
export class PublicRateLimit extends Construct {
  readonly webAcl: CfnWebACL;
  readonly publicPaths: CfnRegexPatternSet;

  constructor(scope: Construct, id: string, props: PublicRateLimitProps) {
    super(scope, id);
    if (!Number.isInteger(props.limit) || props.limit < 10 || props.limit > 2_000_000_000) {
      throw new Error(`WAF rate limit must be a whole number from 10 to 2,000,000,000, got ${props.limit}`);
    }
    const windowSeconds = props.windowSeconds ?? 300;
    const metric = (name: string) => ({ cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: `newsletter-${props.stage}-${name}` });
    this.publicPaths = new CfnRegexPatternSet(this, 'PublicPaths', {
      scope: 'REGIONAL',
      description: 'Paths of the public routes, shared/routes.ts throttledPerIp, with or without the stage',
      regularExpressionList: publicPathPatterns(props.routes),
    });
    const bodyKey = 'PublicRateLimited';
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: `newsletter-${props.stage}-public`,
      description: 'Issue 14: per-IP rate limit of the public routes',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: metric('waf'),
      customResponseBodies: {
        [bodyKey]: { contentType: 'APPLICATION_JSON', content: JSON.stringify(errorEnvelope(new ApiError('PUBLIC_RATE_LIMITED'))) },
      },
      rules: [
        {
          name: 'PublicRoutesPerIp',
          priority: 0,
          action: {
            block: {
              customResponse: { responseCode: 429, customResponseBodyKey: bodyKey, responseHeaders: [{ name: 'Retry-After', value: String(windowSeconds) }] },
            },
          },
          statement: {
            rateBasedStatement: {
              limit: props.limit,
              aggregateKeyType: 'IP',
              evaluationWindowSec: windowSeconds,
              scopeDownStatement: {
                regexPatternSetReferenceStatement: {
                  arn: this.publicPaths.attrArn,
                  fieldToMatch: { uriPath: {} },
                  textTransformations: [{ priority: 0, type: 'NONE' }],
                },
              },
            },
          },
          visibilityConfig: metric('public-per-ip'),
        },
      ],
    });
    new CfnWebACLAssociation(this, 'StageAssociation', { resourceArn: props.restApi.deploymentStage.stageArn, webAclArn: this.webAcl.attrArn });
  }
}

/**
 * The WAF settings from CDK context: `waf` (`true` turns it on; default off), `wafPublicRateLimit`
 * (requests per IP per window, default 1000) and `wafWindowSeconds` (60, 120, 300 or 600; default
 * 300). Undefined when off; a bad value fails the synth with the key's name.
 */
export function publicRateLimitFromContext(context: (key: string) => string | undefined): { limit: number; windowSeconds: WafWindowSeconds } | undefined {
  const on = context('waf');
  if (on === undefined || on === 'false') {
    if (context('wafPublicRateLimit') !== undefined || context('wafWindowSeconds') !== undefined) throw new Error('context wafPublicRateLimit and wafWindowSeconds need waf=true');
    return undefined;
  }
  if (on !== 'true') throw new Error(`context waf must be true or false, got '${on}'`);
  const limit = Number(context('wafPublicRateLimit') ?? DEFAULT_WAF_PUBLIC_LIMIT);
  if (!Number.isInteger(limit) || limit < 10 || limit > 2_000_000_000) throw new Error(`context wafPublicRateLimit must be a whole number from 10 to 2,000,000,000, got '${context('wafPublicRateLimit')}'`);
  const windowSeconds = Number(context('wafWindowSeconds') ?? 300) as WafWindowSeconds;
  if (!WAF_WINDOWS.includes(windowSeconds)) throw new Error(`context wafWindowSeconds must be one of ${WAF_WINDOWS.join(', ')}, got '${context('wafWindowSeconds')}'`);
  return { limit, windowSeconds };
}
