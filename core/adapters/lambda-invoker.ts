import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { FunctionInvoker, InvokeOptions } from '../ports.ts';

/** {@link FunctionInvoker} with Lambda's asynchronous invocation (`InvocationType: 'Event'`). */
export class LambdaInvoker implements FunctionInvoker {
  constructor(private readonly client: LambdaClient) {}

  async invokeAsync(functionName: string, payload: unknown, options: InvokeOptions = {}): Promise<void> {
    const output = await this.client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(payload)),
        ...(options.executionName ? { DurableExecutionName: options.executionName } : {}),
      }),
    );
    if (output.StatusCode !== 202) {
      throw new Error(`Asynchronous invocation of ${functionName} returned status ${output.StatusCode}`);
    }
  }
}
