/** WorkflowRunner in AWS: StartExecution of the import state machine and of the email-send one (issue 15), named after the job. */
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { WorkflowRunner } from '#shared/ports/workflow-runner';

/** StartExecution of one state machine; a second start of the same name is Step Functions' own no-op. */
export function sfnStarter(stateMachineArn: string, client = new SFNClient({})): WorkflowRunner['startImport'] {
  return async (name, input) => {
    try {
      const res = await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
      return { executionId: res.executionArn ?? name };
    } catch (error) {
      // Same name, same input: Step Functions already runs it (a retried start request).
      if (error instanceof ExecutionAlreadyExists) return { executionId: name };
      throw error;
    }
  };
}

/** `emailSendArn` absent: only imports start here (a function that sends no regular email). */
export function createSfnWorkflowRunner(stateMachineArn: string, client = new SFNClient({}), emailSendArn?: string): WorkflowRunner {
  return {
    startImport: sfnStarter(stateMachineArn, client),
    startEmailSend: emailSendArn
      ? sfnStarter(emailSendArn, client)
      : () => Promise.reject(new Error('EMAIL_SEND_STATE_MACHINE_ARN is not set for this function')),
  };
}
