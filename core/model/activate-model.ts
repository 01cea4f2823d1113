import { ValidationError } from '../errors.ts';
import type { ModelStore, RescoreRequester } from '../ports.ts';
import { parseScoringModel } from './scoring-model.ts';

export interface ActivateModelDeps {
  models: Pick<ModelStore, 'activate'>;
  requester: RescoreRequester;
}

/**
 * `PUT /model`: validates a candidate model (a {@link ValidationError} with paths when it is not
 * valid), stores it as the next version, makes it active and requests a run that scores every
 * partner with it. Returns the new version and the run (the running one, if a run was in flight:
 * the model is then scored by the follow-up run it queues).
 */
export async function activateModel(
  deps: ActivateModelDeps,
  candidate: unknown,
): Promise<{ version: number; runId: string }> {
  if (candidate === undefined)
    throw new ValidationError([{ path: '/', message: 'a scoring model is required' }]);
  const active = await deps.models.activate(parseScoringModel(candidate));
  const run = await deps.requester.request('model');
  return { version: active.version, runId: run.runId };
}
