// Small shared pieces: loading a resource, showing an error the way the API phrased it, status messages.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, getJson, type Query } from './api.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `deps` change; a late answer to an earlier request never overwrites a newer one. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) => current && setState({ error, loading: false }),
    );
    return () => {
      current = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

interface PageOf<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Pages<T> {
  /** The first page and every page added by `more`, in order. */
  items: T[];
  /** The first page has arrived (for the current path and query). */
  ready: boolean;
  loading: boolean;
  error: unknown;
  hasMore: boolean;
  loadingMore: boolean;
  moreError: unknown;
  more: () => void;
}

/**
 * A cursor-paginated list of the API: the first page whenever the path or query changes, then one more page per
 * `more()`, one at a time (a second call while a page loads would ask for the same page twice).
 */
export function usePages<T>(path: string, query: Query): Pages<T> {
  const key = JSON.stringify([path, query]);
  const first = useLoad(() => getJson<PageOf<T>>(path, query), [key]);
  const fresh = {
    key,
    items: [] as T[],
    cursor: undefined as string | null | undefined,
    busy: false,
    error: null as unknown,
  };
  const [added, setAdded] = useState(fresh);
  const current = added.key === key ? added : fresh;
  const next = current.cursor === undefined ? (first.data?.nextCursor ?? null) : current.cursor;
  const more = async () => {
    // While a new first page loads, `next` may still be the old query's cursor.
    if (!next || current.busy || first.loading) return;
    setAdded({ ...current, busy: true, error: null });
    try {
      const page = await getJson<PageOf<T>>(path, { ...query, cursor: next });
      setAdded((s) =>
        s.key === key
          ? { ...s, items: [...s.items, ...page.items], cursor: page.nextCursor, busy: false }
          : s,
      );
    } catch (error) {
      setAdded((s) => (s.key === key ? { ...s, busy: false, error } : s));
    }
  };
  return {
    items: [...(first.data?.items ?? []), ...current.items],
    ready: first.data !== undefined && !first.loading,
    loading: first.loading,
    error: first.error,
    hasMore: !first.loading && Boolean(next),
    loadingMore: current.busy,
    moreError: current.error,
    more: () => void more(),
  };
}

/** The next page of a `usePages` list on demand, with the error of the last attempt. */
export function MorePages<T>({ pages, label }: { pages: Pages<T>; label: string }) {
  return (
    <>
      <ErrorBox error={pages.moreError} />
      {pages.hasMore && (
        <button
          type="button"
          class="secondary"
          onClick={pages.more}
          disabled={pages.loadingMore}
          aria-busy={pages.loadingMore}
        >
          {label}
        </button>
      )}
    </>
  );
}

/** The filter bar of a list page: its named fields, submitted as the values the page queries with. */
export function FilterForm(props: {
  label: string;
  submit: string;
  onFilters: (values: Record<string, string>) => void;
  children: ComponentChildren;
}) {
  return (
    <form
      class="filters"
      aria-label={props.label}
      onSubmit={(e) => {
        e.preventDefault();
        props.onFilters(formValues(e.currentTarget));
      }}
    >
      {props.children}
      <button type="submit">{props.submit}</button>
    </form>
  );
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const fields = error instanceof ApiError ? error.fieldErrors : [];
  return (
    <div class="error" role="alert">
      <p>{message}</p>
      {fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={f}>{f}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function Status({ children }: { children: ComponentChildren }) {
  return (
    <p class="status" role="status">
      {children}
    </p>
  );
}

export function Page({ title, children }: { title: string; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Donor data hub`;
  }, [title]);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        {title}
      </h1>
      {children}
    </section>
  );
}

/** Reads a submitted form's named fields as strings (empty fields left out). */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of new FormData(form)) {
    if (typeof value === 'string' && value.trim() !== '') values[name] = value.trim();
  }
  return values;
}

/**
 * A labelled select that starts at `initial` and keeps the user's choice across re-renders (the DOM has no
 * defaultValue for a select).
 */
export function Select(props: {
  label: string;
  name: string;
  initial: string;
  options: Array<[string, string]>;
}) {
  const [value, setValue] = useState(props.initial);
  return (
    <label>
      {props.label}
      <select name={props.name} value={value} onChange={(e) => setValue(e.currentTarget.value)}>
        {props.options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A table's column headings; ['Amount', 'num'] right-aligns a numeric column. */
export function TableHead({ columns }: { columns: Array<string | [string, 'num']> }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => {
          const [text, kind] = typeof c === 'string' ? [c, undefined] : c;
          return (
            <th key={text} scope="col" class={kind}>
              {text}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
