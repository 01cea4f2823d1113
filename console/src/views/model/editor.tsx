/**
 * The model's form: its metrics and tiers as editable tables, each input labelled and showing the
 * API's error for its JSON path next to it.
 */
import type { FieldError, Model, ModelMetric } from '../../api.ts';
import { Panel } from '../../components.tsx';
import { ChoiceField, NumberField, TextField } from '../../components-fields.tsx';
import { type Column, DataTable } from '../../components-table.tsx';
import { DIRECTIONS, METRIC_GROUPS, NORMALIZATIONS, WHEN_MISSING } from '../../enums.ts';
import { fmt } from '../../format.ts';

type Tier = Model['tiers'][number];

export interface EditorProps {
  draft: Model;
  errors: FieldError[];
  /** Changes a copy of the draft. */
  update: (change: (copy: Model) => void) => void;
}

export function ModelEditor(props: EditorProps) {
  return (
    <>
      <Panel title="Metrics" id="model-metrics">
        <MetricsTable {...props} />
      </Panel>
      <Panel title="Tiers" id="model-tiers">
        <div class="tiers-form">
          <TiersTable {...props} />
          <div>
            <NumberField
              path="/tierHysteresis"
              label="Tier hysteresis (points)"
              value={props.draft.tierHysteresis}
              errors={props.errors}
              onChange={(value) =>
                props.update((copy) => {
                  copy.tierHysteresis = value as number;
                })
              }
            />
            <p class="muted hint">
              A partner keeps a higher tier it held in the previous run while its score stays within this many
              points of that tier's minimum.
            </p>
          </div>
        </div>
      </Panel>
    </>
  );
}

interface Indexed<T> {
  item: T;
  index: number;
}

const indexed = <T,>(items: readonly T[]): Indexed<T>[] => items.map((item, index) => ({ item, index }));

function MetricsTable({ draft, errors, update }: EditorProps) {
  const set = (index: number, change: (metric: ModelMetric) => void) =>
    update((copy) => change(copy.metrics[index] as ModelMetric));
  const total = draft.metrics.reduce(
    (sum, item) => sum + (Number.isFinite(item.weight) ? item.weight : 0),
    0,
  );
  const at = (index: number, field: string) => `/metrics/${index}/${field}`;
  const choice = <K extends 'group' | 'normalization' | 'direction' | 'missing'>(
    field: K,
    label: string,
    options: readonly ModelMetric[K][],
  ): Column<Indexed<ModelMetric>> => ({
    key: field,
    label,
    cell: ({ item, index }) => (
      <ChoiceField
        path={at(index, field)}
        label={`${item.name} ${label.toLowerCase()}`}
        value={item[field]}
        options={options}
        errors={errors}
        cell
        onChange={(value) =>
          set(index, (metric) => {
            metric[field] = value;
          })
        }
      />
    ),
  });
  const number = (
    key: string,
    label: string,
    read: (metric: ModelMetric) => number | null,
    write: (metric: ModelMetric, value: number | null) => void,
    nullable: boolean,
  ): Column<Indexed<ModelMetric>> => ({
    key,
    label,
    cell: ({ item, index }) => (
      <NumberField
        path={at(index, key)}
        label={`${item.name} ${label.toLowerCase()}`}
        value={read(item)}
        errors={errors}
        nullable={nullable}
        cell
        onChange={(value) => set(index, (metric) => write(metric, value))}
      />
    ),
  });
  const columns: Column<Indexed<ModelMetric>>[] = [
    {
      key: 'name',
      label: 'Metric',
      cell: ({ item, index }) => (
        <TextField
          path={at(index, 'name')}
          label={`Metric ${index + 1} name`}
          value={item.name}
          errors={errors}
          cell
          onChange={(value) =>
            set(index, (metric) => {
              metric.name = value;
            })
          }
        />
      ),
    },
    choice('group', 'Group', METRIC_GROUPS),
    number(
      'weight',
      'Weight',
      (metric) => metric.weight,
      (metric, value) => {
        metric.weight = value as number;
      },
      false,
    ),
    {
      key: 'share',
      label: 'Share',
      numeric: true,
      class: 'muted',
      cell: ({ item }) => (total > 0 && Number.isFinite(item.weight) ? fmt.pct(item.weight / total) : '—'),
    },
    choice('normalization', 'Normalisation', NORMALIZATIONS),
    choice('direction', 'Direction', DIRECTIONS),
    choice('missing', 'When missing', WHEN_MISSING),
    number(
      'cap/min',
      'Cap min',
      (metric) => metric.cap.min,
      (metric, value) => {
        metric.cap.min = value;
      },
      true,
    ),
    number(
      'cap/max',
      'Cap max',
      (metric) => metric.cap.max,
      (metric, value) => {
        metric.cap.max = value;
      },
      true,
    ),
    number(
      'halfLifeDays',
      'Half-life (days)',
      (metric) => metric.halfLifeDays,
      (metric, value) => {
        metric.halfLifeDays = value;
      },
      true,
    ),
  ];
  return (
    <DataTable
      class="model-table"
      columns={columns}
      rows={indexed(draft.metrics)}
      rowKey={(row) => row.index}
    />
  );
}

function TiersTable({ draft, errors, update }: EditorProps) {
  const set = (index: number, change: (tier: Tier) => void) =>
    update((copy) => change(copy.tiers[index] as Tier));
  const columns: Column<Indexed<Tier>>[] = [
    {
      key: 'name',
      label: 'Tier',
      cell: ({ item, index }) => (
        <TextField
          path={`/tiers/${index}/name`}
          label={`Tier ${index + 1} name`}
          value={item.name}
          errors={errors}
          cell
          onChange={(value) =>
            set(index, (tier) => {
              tier.name = value;
            })
          }
        />
      ),
    },
    {
      key: 'minScore',
      label: 'Minimum score',
      cell: ({ item, index }) => (
        <NumberField
          path={`/tiers/${index}/minScore`}
          label={`${item.name} minimum score`}
          value={item.minScore}
          errors={errors}
          cell
          onChange={(value) =>
            set(index, (tier) => {
              tier.minScore = value as number;
            })
          }
        />
      ),
    },
  ];
  return (
    <DataTable
      class="model-table tiers-table"
      columns={columns}
      rows={indexed(draft.tiers)}
      rowKey={(row) => row.index}
      wrap={false}
    />
  );
}
