import { Alert } from '@zendeskgarden/react-notifications';
import { SM } from '@zendeskgarden/react-typography';
import type { Notice } from './SidebarView';

/** The sidebar's notices as Garden alerts: loaded only when there is one (SidebarView). */
export default function Notices({ notices }: { notices: Notice[] }) {
  return (
    <>
      {notices.map((n, i) => (
        <Alert key={i} type={n.kind} role="alert">
          <SM>{n.text}</SM>
          {n.details?.map((d) => (
            <SM key={d} isMonospace>
              {d}
            </SM>
          ))}
        </Alert>
      ))}
    </>
  );
}
