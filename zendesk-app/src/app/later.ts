import { useEffect, useState } from 'react';

/**
 * A part of the sidebar the first render does without ("why this due time?", the override, the
 * notices' Garden alerts): its module is fetched once, when first wanted, and `current` holds it
 * from then on, so that a render after that uses it at once.
 */
export interface Later<T> {
  current: T | null;
  load(): Promise<T>;
}

export function later<T>(load: () => Promise<T>): Later<T> {
  let loading: Promise<T> | null = null;
  const l: Later<T> = {
    current: null,
    load: () =>
      (loading ??= load().then(
        (m) => (l.current = m),
        (e: unknown) => {
          // A chunk that did not come (a dropped connection) is asked for again next time.
          loading = null;
          throw e;
        },
      )),
  };
  return l;
}

/** The module once it has come; asks for it after the render in which `want` first holds. */
export function useLater<T>(l: Later<T>, want: boolean): T | null {
  const [, setCame] = useState(0);
  useEffect(() => {
    if (!want || l.current) return;
    let live = true;
    l.load().then(
      () => live && setCame((n) => n + 1),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [l, want]);
  return want ? l.current : null;
}
