/** Downloads the whole filtered ranking as the API's CSV. */
import { useState } from 'preact/hooks';
import { api, type RankingFilter } from '../../api.ts';
import { ErrorNote } from '../../components.tsx';

export function ExportButton({ filter, disabled }: { filter: RankingFilter; disabled: boolean }) {
  const [state, setState] = useState<{ busy: boolean; error?: unknown }>({ busy: false });
  return (
    <>
      <button
        type="button"
        disabled={disabled || state.busy}
        onClick={async () => {
          setState({ busy: true });
          try {
            const csv = await api.rankingsCsv(filter);
            const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
            const link = document.createElement('a');
            const suffix = [filter.tier, filter.region, filter.type].filter(Boolean).join('-');
            link.href = url;
            link.download = `ranking${suffix ? `-${suffix}` : ''}.csv`;
            document.body.append(link);
            link.click();
            link.remove();
            setTimeout(() => URL.revokeObjectURL(url), 10_000);
            setState({ busy: false });
          } catch (error) {
            setState({ busy: false, error });
          }
        }}
      >
        {state.busy ? 'Exporting…' : 'Export CSV'}
      </button>
      {state.error ? <ErrorNote error={state.error} /> : null}
    </>
  );
}
