import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Async<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
}

/** Runs `load` when its dependencies change (and on `reload()`); the newest call wins. */
export function useAsync<T>(load: () => Promise<T>, deps: readonly unknown[]): Async<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const my = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => my === seq.current && setState({ data, error: undefined, loading: false }),
      (error: unknown) => my === seq.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export function useInterval(fn: () => void, ms: number): void {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    const t = setInterval(() => saved.current(), ms);
    return () => clearInterval(t);
  }, [ms]);
}

export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useInterval(() => setNow(Date.now()), everyMs);
  return now;
}

/** Moves focus to the page heading after navigation, so screen readers announce the new page. */
export function useFocusHeading(key: unknown): (el: HTMLHeadingElement | null) => void {
  const el = useRef<HTMLHeadingElement | null>(null);
  useEffect(() => {
    el.current?.focus();
  }, [key]);
  return (h) => {
    el.current = h;
  };
}

/** A number that grows each time the stream says live updates may have been missed: put it in a REST effect's deps. */
export function useResyncCount(stream: { onResync(fn: (reason: string) => void): () => void }): number {
  const [n, setN] = useState(0);
  useEffect(() => stream.onResync(() => setN((x) => x + 1)), [stream]);
  return n;
}
