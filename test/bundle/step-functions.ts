/**
 * Runs an execution of a template's state machine for the bundle test (issue 11): the
 * DefinitionString CloudFormation would deploy (its substitutions applied by assembly.ts),
 * interpreted by aws-local-stepfunctions, each Task whose Resource is a Lambda ARN invoking that
 * function's bundle after checking that the state machine's role may invoke it. A function error
 * reaches Retry and Catch as Step Functions reports it: the Lambda's errorType as the error name,
 * its JSON error as the cause. Wait states are shortened to 0 (a run option, not a change of the
 * definition) so that a failing import does not sit out a straggler wait in the test.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import type { Execution } from './aws-stub';
import type { AwsStub } from './aws-stub';
import type { LambdaService } from './lambda';
import '#shared/local/promise-with-resolvers';


interface StateNode {
  Type: string;
  Resource?: string;
  States?: Record<string, StateNode>;
  ItemProcessor?: { States: Record<string, StateNode> };
  Iterator?: { States: Record<string, StateNode> };
  Branches?: Array<{ States: Record<string, StateNode> }>;
}

/** Every state of a definition, Map processors and Parallel branches included. */
function allStates(states: Record<string, StateNode>, out: Array<[string, StateNode]> = []): Array<[string, StateNode]> {
  for (const [name, state] of Object.entries(states)) {
    out.push([name, state]);
    for (const nested of [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])]) if (nested) allStates(nested.States, out);
  }
  return out;
}

export class StepFunctionsRunner {
  /** Lambda task invocations the role did not allow. */
  readonly refusedTasks: string[] = [];

  constructor(
    private readonly lambda: LambdaService,
    private readonly stub: () => AwsStub,
  ) {}

  async run(execution: Execution): Promise<void> {
    const definition = execution.machine.definition as { States: Record<string, StateNode> };
    const handlers: Record<string, (input: unknown) => Promise<never>> = {};
    const waits: Record<string, number> = {};
    for (const [name, state] of allStates(definition.States)) {
      if (state.Type === 'Wait') waits[name] = 0;
      if (state.Type !== 'Task') continue;
      const arn = state.Resource ?? '';
      if (!/^arn:aws:lambda:/.test(arn)) throw new Error(`state ${name}: only Lambda ARN tasks are played, got ${arn}`);
      const fn = this.lambda.byArnOrName(arn);
      handlers[name] = async (input) => {
        if (!this.stub().roleAllows(execution.machine.roleArn, 'lambda:InvokeFunction', arn)) {
          this.refusedTasks.push(`${execution.machine.name}/${name}: role may not invoke ${arn}`);
          throw Object.assign(new Error(`not authorized to perform lambda:InvokeFunction on ${arn}`), { name: 'Lambda.AWSLambdaException' });
        }
        const result = await this.lambda.invoke(fn, input, `state machine ${execution.machine.name} ${name}`);
        if (result.error) {
          const { errorType, errorMessage, stackTrace } = result.error;
          throw Object.assign(new Error(JSON.stringify({ errorType, errorMessage, trace: stackTrace ?? [] })), { name: errorType });
        }
        return result.payload as never;
      };
    }
    const machine = new StateMachine(definition as ConstructorParameters<typeof StateMachine>[0]);
    const run = machine.run(JSON.parse(execution.input) as Parameters<typeof machine.run>[0], {
      overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: waits },
    });
    try {
      execution.output = await run.result;
      execution.status = 'SUCCEEDED';
    } catch (error) {
      const cause = (error as { cause?: { name?: string; message?: string } }).cause;
      execution.status = 'FAILED';
      execution.error = { error: cause?.name ?? (error as Error).name, ...(cause?.message ? { cause: cause.message } : {}) };
    }
  }
}
