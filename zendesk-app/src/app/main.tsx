import { createRoot } from 'react-dom/client';
import type { ZafClient } from '../zaf/types';
import { App } from './App';
import './index.css';

declare global {
  interface Window {
    ZAFClient?: { init(): ZafClient | false };
  }
}

const root = createRoot(document.getElementById('root')!);
// ZAFClient.init() is false outside Zendesk (no origin and app_guid in the URL).
const client = window.ZAFClient?.init();
if (client) root.render(<App client={client} />);
else root.render(<p className="sla-outside">SLA Desk runs inside Zendesk Support. Open a ticket there, or run it with zcli apps:server.</p>);
