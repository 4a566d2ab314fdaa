/**
 * Starts the import state machine (SPEC I7) and the email-send one (issue 15): Step Functions StartExecution in AWS, the same
 * definition run in-process by aws-local-stepfunctions locally.
 */
export interface WorkflowRunner {
  /** Starts an execution named `name` (the job id: a second start of the same name is a no-op in AWS). */
  startImport(name: string, input: Record<string, unknown>): Promise<{ executionId: string }>;
  /** Starts the email-send state machine of a regular email (issue 15); a second start of the same name is a no-op. */
  startEmailSend(name: string, input: Record<string, unknown>): Promise<{ executionId: string }>;
}
