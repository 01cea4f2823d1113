import { NotFoundError, ValidationError } from '../errors.ts';
import type { ModelStore, RescoreRequester } from '../ports.ts';
import { parseScoringModel } from './scoring-model.ts';

export interface ActivateModelDeps {
  models: Pick<ModelStore, 'activate' | 'getVersion'>;
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

/**
 * `POST /model/versions/{version}/activate`: activates a stored version's model again, as
 * {@link activateModel} does with a new one (it is stored as the next version, so versions stay
 * in activation order and runs name the version they scored with). A {@link NotFoundError} when no
 * such version is stored.
 */
export async function reactivateModel(
  deps: ActivateModelDeps,
  version: number,
): Promise<{ version: number; runId: string }> {
  const model = await deps.models.getVersion(version);
  if (!model) {
    throw new NotFoundError(`No model version ${version}: GET /model/versions lists the stored versions.`);
  }
  return activateModel(deps, model);
}
