export declare const ids: { impact: number; urgency: number; tier: number; state: number; first_response: number; resolution: number };
export declare const requirements: Record<string, { requirement_id: number; requirement_type: string }>;
export interface Seed {
  createdAt: string;
  impact: string | null;
  urgency: string | null;
  tier?: string;
  events?: object[];
  role?: string;
  groups?: { id: number; name: string }[];
}
export declare function seedOf(s: Seed): { settings: Record<string, unknown>; values: Record<string, unknown>; users: object[]; audits: object[] };
