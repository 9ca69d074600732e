import { createRoot } from 'react-dom/client';
import type { LoadResult } from '../sla/load';
import type { ZafClient } from '../zaf/types';
import { App } from './App';

/**
 * The sidebar's UI, given the ticket's load that the page's first script (./main.tsx) started and
 * has shown in its plain first view (./first-view.ts): React's first commit replaces that view with
 * the same countdown, so there is no blank between them. A load that failed is shown by the
 * sidebar, from the promise.
 */
export function mount(element: HTMLElement, client: ZafClient, loading: Promise<LoadResult>): void {
  const root = createRoot(element);
  loading.then(
    (loaded) => root.render(<App client={client} loaded={loaded} />),
    () => root.render(<App client={client} loading={loading} />),
  );
}
