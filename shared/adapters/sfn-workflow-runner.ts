/** WorkflowRunner in AWS: StartExecution of the import state machine, named after the job. */
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { WorkflowRunner } from '#shared/ports/workflow-runner';

export function createSfnWorkflowRunner(stateMachineArn: string, client = new SFNClient({})): WorkflowRunner {
  return {
    async startImport(name, input) {
      try {
        const res = await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
        return { executionId: res.executionArn ?? name };
      } catch (error) {
        // Same name, same input: Step Functions already runs it (a retried start request).
        if (error instanceof ExecutionAlreadyExists) return { executionId: name };
        throw error;
      }
    },
  };
}
