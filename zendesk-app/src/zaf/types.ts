/**
 * The part of the Zendesk Apps Framework client SLA Desk uses, typed. No type package exists for
 * ZAF; the app talks to ZAF only through this interface, and tests stub it.
 */
export interface ZafGetResult {
  [path: string]: unknown;
  errors?: Record<string, { message?: string }>;
}

export interface ZafRequest {
  url: string;
  type?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  contentType?: string;
  data?: string;
  headers?: Record<string, string>;
  /** Through Zendesk's proxy, with {{setting.<name>}} of secure settings filled in there (never in the browser). */
  secure?: boolean;
}

export interface ZafClient {
  get(paths: string | string[]): Promise<ZafGetResult>;
  set(path: string, value: unknown): Promise<unknown>;
  invoke(name: string, ...args: unknown[]): Promise<unknown>;
  request<T = unknown>(options: ZafRequest): Promise<T>;
  on(event: string, handler: (...args: unknown[]) => unknown): void;
  metadata(): Promise<{ settings: Record<string, unknown>; installationId?: number }>;
  context(): Promise<{ location: string; ticketId?: number; account?: { subdomain?: string } }>;
}

/** A Zendesk ticket audit, as /api/v2/tickets/{id}/audits returns it (the fields SLA Desk reads). */
export interface ZendeskAudit {
  id: number;
  created_at: string;
  author_id: number;
  events: ZendeskAuditEvent[];
  /** What the update that made the audit sent as ticket.metadata comes back under custom. */
  metadata?: { custom?: Record<string, unknown> };
}

export interface ZendeskFieldEvent {
  type: 'Create' | 'Change';
  field_name: string;
  /** Ids come as strings in recorded Create events and as numbers in the doc example. */
  value: string | number | string[] | null;
  previous_value?: string | number | string[] | null;
}

export interface ZendeskCommentEvent {
  type: 'Comment';
  public: boolean;
  /** Absent in Zendesk's doc example; recorded responses have it. */
  author_id?: number;
  body?: string;
}

/** Audits carry other event types too (notifications, SLA events, ...), which SLA Desk skips. */
export type ZendeskAuditEvent = ZendeskFieldEvent | ZendeskCommentEvent | { type: 'Notification' | 'VoiceComment' | 'Other'; [key: string]: unknown };

export interface ZendeskUser {
  id: number;
  role: 'end-user' | 'agent' | 'admin';
  /** As Zendesk's sideload gives it: the notes that name a person use it. */
  name?: string;
}
