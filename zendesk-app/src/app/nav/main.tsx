import { createRoot } from 'react-dom/client';
import type { ZafClient } from '../../zaf/types';
import { NavPage } from './NavPage';

declare global {
  interface Window {
    ZAFClient?: { init(): ZafClient | false };
  }
}

const root = document.getElementById('root')!;
// ZAFClient.init() is false outside Zendesk (no origin and app_guid in the URL).
const client = window.ZAFClient?.init() || null;
if (!client) root.innerHTML = '<p>SLA Desk\'s page runs inside Zendesk Support: open it from the SLA Desk icon in the left bar.</p>';
else createRoot(root).render(<NavPage client={client} />);
