import { type LambdaClient, SendDurableExecutionCallbackSuccessCommand } from '@aws-sdk/client-lambda';
import {
  executionNameOf,
  type LeadCallbacks,
  type LeadStarter,
  type LeadWorkflowEvent,
} from '../leads/lead-service.ts';
import type { FunctionInvoker } from '../ports.ts';

/** Starts a lead's durable execution: an asynchronous invoke named after the lead (a repeat joins it). */
export class LambdaLeadStarter implements LeadStarter {
  constructor(
    private readonly invoker: FunctionInvoker,
    private readonly functionName: string,
  ) {}

  async start(payload: LeadWorkflowEvent): Promise<void> {
    await this.invoker.invokeAsync(this.functionName, payload, { executionName: executionNameOf(payload) });
  }
}

/** Answers a waiting lead workflow through Lambda's durable callback API (locally AWS_ENDPOINT_URL_LAMBDA). */
export class LambdaLeadCallbacks implements LeadCallbacks {
  constructor(private readonly client: LambdaClient) {}

  async succeed(callbackId: string, result: string): Promise<void> {
    await this.client.send(
      new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId, Result: Buffer.from(result) }),
    );
  }
}
