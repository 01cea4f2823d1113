/** Ports of scoring models. */
import type { ScoringModel } from '../model/scoring-model.ts';

/** The active scoring model and its version (version 1 is the built-in default model). */
export interface ActiveModel {
  version: number;
  model: ScoringModel;
  activatedAt: string;
}

/** A stored model version as listed: `activatedAt` is null for the built-in version 1. */
export interface ModelVersionSummary {
  version: number;
  activatedAt: string | null;
}

export interface ModelStore {
  /**
   * The active model. Adapters may serve it from a short cache; `fresh` reads the stored pointer
   * (a run must score the model activated just before it, even in a warm container).
   */
  getActive(options?: { fresh?: boolean }): Promise<ActiveModel>;
  /** Stores the model as the next version and makes it active. */
  activate(model: ScoringModel): Promise<ActiveModel>;
  /** A stored version's model (version 1 is the built-in default); `null` when there is no such version. */
  getVersion(version: number): Promise<ScoringModel | null>;
  /** The `limit` newest versions, newest first, ending with the built-in version 1. */
  listVersions(limit: number): Promise<ModelVersionSummary[]>;
}
