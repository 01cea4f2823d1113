/** The distribution policy as a form (`GET/PUT /distribution/policy`), the API's errors at their fields. */
import { useEffect, useState } from 'preact/hooks';
import { type ActiveModel, ApiError, api, type DistributionPolicy, type FieldError } from '../../api.ts';
import { can } from '../../auth.ts';
import { ErrorNote, Panel, useAsync } from '../../components.tsx';
import { CheckField, ChoiceField, NumberField } from '../../components-fields.tsx';
import { DataTable } from '../../components-table.tsx';
import { POLICY_WEIGHTS } from '../../enums.ts';

export function PolicyEditor({ model }: { model: ActiveModel | undefined }) {
  const saved = useAsync(() => api.distributionPolicy(), []);
  const [draft, setDraft] = useState<DistributionPolicy | null>(null);
  const [state, setState] = useState<{ busy: boolean; error?: unknown; done?: boolean }>({ busy: false });
  useEffect(() => {
    if (saved.value) setDraft(structuredClone(saved.value));
  }, [saved.value]);
  const writable = can('partners/write');
  if (!draft) {
    return (
      <Panel title="Distribution policy" id="policy">
        {saved.error ? <ErrorNote error={saved.error} /> : <p class="summary">Loading the policy…</p>}
      </Panel>
    );
  }
  const errors: FieldError[] = state.error instanceof ApiError ? (state.error.problem.errors ?? []) : [];
  const update = (change: (copy: DistributionPolicy) => void) => {
    const copy = structuredClone(draft);
    change(copy);
    setDraft(copy);
    setState({ busy: false });
  };
  const tiers = [
    ...new Set([
      ...(model?.tiers.map((tier) => tier.name) ?? []),
      ...Object.keys(draft.tierWeights),
      ...Object.keys(draft.capPerPeriod.byTier),
    ]),
  ];
  /** Sets one top-level field of the draft. */
  const set =
    <K extends keyof DistributionPolicy>(key: K) =>
    (value: DistributionPolicy[K]) =>
      update((copy) => {
        copy[key] = value;
      });
  /** A per-tier entry: a number, or none (the key removed: weight 0, the default cap). */
  const setTierEntry = (record: Record<string, number>, tier: string, value: number | null) => {
    if (value === null) delete record[tier];
    else record[tier] = value;
  };
  return (
    <Panel title="Distribution policy" id="policy">
      <form
        class="stack"
        onSubmit={async (event) => {
          event.preventDefault();
          setState({ busy: true });
          try {
            setDraft(await api.saveDistributionPolicy(draft));
            setState({ busy: false, done: true });
            saved.reload();
          } catch (error) {
            setState({ busy: false, error });
          }
        }}
      >
        <div class="field-grid">
          <ChoiceField
            path="/minTier"
            label="Minimum tier"
            value={draft.minTier ?? ''}
            options={['', ...tiers]}
            labels={{ '': 'any tier, or none' }}
            errors={errors}
            onChange={(value) =>
              update((copy) => {
                copy.minTier = value || null;
              })
            }
          />
          <ChoiceField
            path="/weight"
            label="Weight of a partner"
            value={draft.weight}
            options={POLICY_WEIGHTS}
            labels={{ score: 'its score', tier: 'its tier’s weight' }}
            errors={errors}
            onChange={set('weight')}
          />
          <NumberField
            path="/capPerPeriod/default"
            label="Offers per partner and month"
            value={draft.capPerPeriod.default}
            nullable
            errors={errors}
            onChange={(value) =>
              update((copy) => {
                copy.capPerPeriod.default = value;
              })
            }
          />
          <NumberField
            path="/slaMinutes"
            label="Minutes to answer an offer"
            value={draft.slaMinutes}
            errors={errors}
            onChange={(value) => set('slaMinutes')(value as number)}
          />
          <NumberField
            path="/maxAttempts"
            label="Offers per lead before unassigned"
            value={draft.maxAttempts}
            errors={errors}
            onChange={(value) => set('maxAttempts')(value as number)}
          />
          <CheckField
            path="/matchRegion"
            label="Same region as the lead"
            value={draft.matchRegion}
            errors={errors}
            onChange={set('matchRegion')}
          />
          <CheckField
            path="/matchType"
            label="Same type as the lead"
            value={draft.matchType}
            errors={errors}
            onChange={set('matchType')}
          />
        </div>
        <DataTable<string>
          class="compact model-table"
          caption="Weight and cap per tier"
          rows={tiers}
          rowKey={(tier) => tier}
          wrap={false}
          columns={[
            { key: 'tier', label: 'Tier', rowHeader: true, cell: (tier) => tier },
            {
              key: 'weight',
              label: draft.weight === 'tier' ? 'Weight' : 'Weight (when weighing by tier)',
              cell: (tier) => (
                <NumberField
                  path={`/tierWeights/${tier}`}
                  label={`${tier} weight`}
                  value={draft.tierWeights[tier] ?? null}
                  nullable
                  cell
                  errors={errors}
                  onChange={(value) => update((copy) => setTierEntry(copy.tierWeights, tier, value))}
                />
              ),
            },
            {
              key: 'cap',
              label: 'Cap per month (empty: the default)',
              cell: (tier) => (
                <NumberField
                  path={`/capPerPeriod/byTier/${tier}`}
                  label={`${tier} cap per month`}
                  value={draft.capPerPeriod.byTier[tier] ?? null}
                  nullable
                  cell
                  errors={errors}
                  onChange={(value) => update((copy) => setTierEntry(copy.capPerPeriod.byTier, tier, value))}
                />
              ),
            },
          ]}
        />
        {state.error ? <ErrorNote error={state.error} /> : null}
        <p class="summary" role="status" aria-live="polite">
          {state.done ? 'Saved: the next lead is distributed by this policy.' : ''}
        </p>
        {writable ? (
          <div class="actions">
            <button type="submit" class="primary" disabled={state.busy}>
              {state.busy ? 'Saving…' : 'Save the policy'}
            </button>
            <button type="button" onClick={() => saved.value && setDraft(structuredClone(saved.value))}>
              Reset
            </button>
          </div>
        ) : null}
      </form>
    </Panel>
  );
}
