import { ThemeProvider } from '@zendeskgarden/react-theming';
import type { ZafClient } from '../zaf/types';
import { ClientProvider } from './ClientProvider';
import { TicketSidebar } from './locations/TicketSidebar';

export function App({ client }: { client: ZafClient }) {
  return (
    <ThemeProvider>
      <ClientProvider client={client}>
        <TicketSidebar />
      </ClientProvider>
    </ThemeProvider>
  );
}
