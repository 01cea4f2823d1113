/** Form inputs: each labelled, with the API's error for its JSON path beside it. */
import type { ComponentChildren } from 'preact';
import type { FieldError } from './api.ts';

/** `/metrics/2/weight` → the id of the input that edits it. */
export const fieldId = (path: string) => `f${path.replace(/[^A-Za-z0-9]+/g, '-')}`;

interface FieldProps<T> {
  path: string;
  label: string;
  value: T;
  errors: FieldError[];
  onChange: (value: T) => void;
  /** In a table cell, where the column header shows the label (kept for screen readers). */
  cell?: boolean;
}

/** The accessibility attributes of an input at `path`, with or without an error. */
function inputAttributes(path: string, error: string | undefined) {
  return {
    id: fieldId(path),
    'aria-invalid': error ? ('true' as const) : undefined,
    'aria-describedby': error ? `${fieldId(path)}-error` : undefined,
  };
}

const errorAt = (errors: FieldError[], path: string) => errors.find((error) => error.path === path)?.message;

export function TextField(props: FieldProps<string>) {
  const error = errorAt(props.errors, props.path);
  return (
    <Field path={props.path} label={props.label} error={error} cell={props.cell}>
      <input
        {...inputAttributes(props.path, error)}
        value={props.value}
        onInput={(event) => props.onChange(event.currentTarget.value)}
      />
    </Field>
  );
}

/** A number; empty is `null` where the model allows none, otherwise NaN (the API names the field). */
export function NumberField(props: FieldProps<number | null> & { nullable?: boolean }) {
  const error = errorAt(props.errors, props.path);
  return (
    <Field path={props.path} label={props.label} error={error} cell={props.cell}>
      <input
        {...inputAttributes(props.path, error)}
        type="number"
        step="any"
        inputMode="decimal"
        value={props.value ?? ''}
        placeholder={props.nullable ? 'none' : ''}
        onInput={(event) => {
          const text = event.currentTarget.value;
          props.onChange(text === '' ? (props.nullable ? null : Number.NaN) : Number(text));
        }}
      />
    </Field>
  );
}

/** A choice among `options`, each shown as its `labels` entry or as itself. */
export function ChoiceField<T extends string>(
  props: FieldProps<T> & { options: readonly T[]; labels?: Partial<Record<T, string>> },
) {
  const error = errorAt(props.errors, props.path);
  return (
    <Field path={props.path} label={props.label} error={error} cell={props.cell}>
      <select
        {...inputAttributes(props.path, error)}
        value={props.value}
        onChange={(event) => props.onChange(event.currentTarget.value as T)}
      >
        {props.options.map((option) => (
          <option key={option} value={option}>
            {props.labels?.[option] ?? option}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** A checkbox, its label beside it. */
export function CheckField(props: FieldProps<boolean>) {
  const error = errorAt(props.errors, props.path);
  return (
    <div class={`field field-check${error ? ' field-invalid' : ''}`} data-path={props.path}>
      <label>
        <input
          {...inputAttributes(props.path, error)}
          type="checkbox"
          checked={props.value}
          onChange={(event) => props.onChange(event.currentTarget.checked)}
        />{' '}
        {props.label}
      </label>
      {error ? (
        <p class="field-error" id={`${fieldId(props.path)}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A labelled input with the API's error for its path. */
function Field(props: {
  path: string;
  label: string;
  error: string | undefined;
  cell?: boolean | undefined;
  children: ComponentChildren;
}) {
  return (
    <div class={`field${props.error ? ' field-invalid' : ''}`} data-path={props.path}>
      <label for={fieldId(props.path)} class={props.cell ? 'sr-only' : undefined}>
        {props.label}
      </label>
      {props.children}
      {props.error ? (
        <p class="field-error" id={`${fieldId(props.path)}-error`}>
          {props.error}
        </p>
      ) : null}
    </div>
  );
}
