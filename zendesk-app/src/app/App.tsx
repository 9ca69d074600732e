import { ThemeProvider } from '@zendeskgarden/react-theming';
import type { LoadResult } from '../sla/load';
import type { ZafClient } from '../zaf/types';
import { ClientProvider } from './ClientProvider';
import { TicketSidebar } from './locations/TicketSidebar';

/** `loading` or `loaded`: the ticket's load, when the page started it before the UI came (./main.tsx). */
export function App({ client, loading, loaded }: { client: ZafClient; loading?: Promise<LoadResult>; loaded?: LoadResult }) {
  return (
    <ThemeProvider>
      <ClientProvider client={client}>
        <TicketSidebar loading={loading} loaded={loaded} />
      </ClientProvider>
    </ThemeProvider>
  );
}
