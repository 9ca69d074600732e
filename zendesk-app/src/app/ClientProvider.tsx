import { createContext, useContext, type ReactNode } from 'react';
import type { ZafClient } from '../zaf/types';

const ClientContext = createContext<ZafClient | null>(null);

export function ClientProvider({ client, children }: { client: ZafClient; children: ReactNode }) {
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

export function useClient(): ZafClient {
  const c = useContext(ClientContext);
  if (!c) throw new Error('useClient outside ClientProvider');
  return c;
}
