import type { ZafClient } from '../zaf/types';
import { loadTicket } from '../sla/load';
import { showFirstView } from './first-view';

declare global {
  interface Window {
    ZAFClient?: { init(): ZafClient | false };
  }
}

/**
 * The page's first script: it loads the ticket (two ZAF round trips; the presets are bundled), shows
 * the countdown in plain DOM (./first-view.ts: the engine, no React or Garden), and only then asks
 * for the UI's script (React, Garden: ./ui.tsx), which replaces the first view when it comes.
 */
const root = document.getElementById('root')!;
// ZAFClient.init() is false outside Zendesk (no origin and app_guid in the URL).
const client = window.ZAFClient?.init() || null;
if (!client) {
  root.innerHTML = '<p class="sla-outside">SLA Desk runs inside Zendesk Support. Open a ticket there, or run it with zcli apps:server.</p>';
} else {
  const loading = loadTicket(client);
  const ui = () => import('./ui');
  loading.then(
    (result) => {
      let stop = () => undefined as void;
      try {
        stop = showFirstView(root, client, result, Date.now);
      } catch {
        // Without its first view the sidebar still comes, with the UI.
      }
      // After the countdown is painted, so that the UI's script does not compete with it.
      afterPaint(() =>
        void ui().then(({ mount }) => {
          stop();
          mount(root, client, loading);
        }),
      );
    },
    // The sidebar shows why, once it mounts.
    () => void ui().then(({ mount }) => mount(root, client, loading)),
  );
}

/** `fn` once the page has painted; a page that does not paint (a hidden tab) waits 100 ms at most. */
function afterPaint(fn: () => void): void {
  let done = false;
  const go = () => {
    if (!done) fn();
    done = true;
  };
  requestAnimationFrame(() => setTimeout(go, 0));
  setTimeout(go, 100);
}
