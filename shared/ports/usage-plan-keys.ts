/**
 * API Gateway throttles per API key of a usage plan (SPEC W4). Each workspace gets one key,
 * attached to the plan when the workspace is created; the authorizer hands its value back as
 * `usageIdentifierKey`. Locally the server's own token bucket does this job.
 */
export interface UsagePlanKeys {
  provisionWorkspaceKey(workspaceId: string): Promise<{ keyId: string; value: string }>;
}
