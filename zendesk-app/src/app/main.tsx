import type { ZafClient } from '../zaf/types';
import { loadTicket } from '../sla/load';

declare global {
  interface Window {
    ZAFClient?: { init(): ZafClient | false };
  }
}

/**
 * The page's first script, small: it starts loading the ticket (two ZAF round trips and the chosen
 * preset) at once, while the UI's script (React, Garden, the engine: ./ui.tsx, which the page
 * preloads) is still on its way, and hands the load to it.
 */
const root = document.getElementById('root')!;
// ZAFClient.init() is false outside Zendesk (no origin and app_guid in the URL).
const client = window.ZAFClient?.init() || null;
if (!client) {
  root.innerHTML = '<p class="sla-outside">SLA Desk runs inside Zendesk Support. Open a ticket there, or run it with zcli apps:server.</p>';
} else {
  const loading = loadTicket(client);
  // Its failure is shown by the sidebar once it mounts; until then it is not unhandled.
  loading.catch(() => undefined);
  // The UI's script is imported in a task of its own: host answers that are in already go first,
  // so that the chosen preset is on its way while the UI's script runs.
  setTimeout(() => void import('./ui').then(({ mount }) => mount(root, client, loading)), 0);
}
