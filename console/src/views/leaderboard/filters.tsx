/** The leaderboard's filters (tier, region, type) and its search box, applied through the address. */
import { useEffect, useState } from 'preact/hooks';
import type { ActiveModel, RankingItem } from '../../api.ts';
import type { Params } from './params.ts';

export function Filters(props: {
  params: Params;
  model: ActiveModel | undefined;
  items: RankingItem[];
  onChange: (change: Partial<Params>) => void;
}) {
  const { params } = props;
  const seen = (field: 'region' | 'type') =>
    [...new Set(props.items.map((item) => item[field]).filter(Boolean))] as string[];
  const [q, setQ] = useState(params.q ?? '');
  useEffect(() => setQ(params.q ?? ''), [params.q]);
  return (
    <form
      class="filters"
      aria-label="Filter and search partners"
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        props.onChange({
          region: String(form.get('region') ?? '').trim() || undefined,
          type: String(form.get('type') ?? '').trim() || undefined,
          q: q.trim() || undefined,
        });
      }}
    >
      <label>
        Search by id or name
        <input
          type="search"
          name="q"
          value={q}
          onInput={(event) => setQ(event.currentTarget.value)}
          placeholder="e.g. Partner"
        />
      </label>
      <label>
        Tier
        <select
          name="tier"
          value={params.tier ?? ''}
          onChange={(event) => props.onChange({ tier: event.currentTarget.value || undefined, q: undefined })}
        >
          <option value="">All tiers</option>
          {props.model?.tiers.map((tier) => (
            <option key={tier.name} value={tier.name}>
              {tier.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Region
        {/* Uncontrolled (`defaultValue`): a `value` prop would put the address's value back over what
            the user typed whenever the page renders again (a run's status, rows arriving). */}
        <input
          name="region"
          list="regions"
          defaultValue={params.region ?? ''}
          key={`r${params.region}`}
          placeholder="any"
        />
        <datalist id="regions">
          {seen('region').map((value) => (
            <option key={value} value={value} />
          ))}
        </datalist>
      </label>
      <label>
        Type
        <input
          name="type"
          list="types"
          defaultValue={params.type ?? ''}
          key={`t${params.type}`}
          placeholder="any"
        />
        <datalist id="types">
          {seen('type').map((value) => (
            <option key={value} value={value} />
          ))}
        </datalist>
      </label>
      <div class="filter-buttons">
        <button type="submit" class="primary">
          Apply
        </button>
        <button
          type="button"
          onClick={() => {
            setQ('');
            props.onChange({ tier: undefined, region: undefined, type: undefined, q: undefined });
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}
