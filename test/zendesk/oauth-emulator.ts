import { createHash, randomBytes } from 'crypto';

/**
 * The OAuth half of the Zendesk emulator: a global OAuth client's authorization-code grant with
 * PKCE, refresh with rotation, the tokens' scopes, and revocation. It follows Zendesk's published
 * contract; where a point is not published, the comment says "unconfirmed" and which behaviour
 * was chosen. Sources:
 *  - "docs: OAuth Tokens for Grant Types" = developer.zendesk.com/api-reference/ticketing/oauth/grant_type_tokens/
 *  - "docs: OAuth Tokens" = developer.zendesk.com/api-reference/ticketing/oauth/oauth_tokens/
 *  - "docs: PKCE" = developer.zendesk.com/documentation/ticketing/working-with-oauth/oauth-pkce/
 *  - "docs: global OAuth" = developer.zendesk.com/documentation/apps/publish-your-app-or-theme/global_oauth_intro/
 *  - "help: OAuth clients" = support.zendesk.com/hc/en-us/articles/4408845965210 (redirect URLs, PKCE by client kind)
 *  - "facts §N" and "facts N" = the sections and the "Could NOT confirm" items of
 *    test/zendesk/oauth-sources.md, where each point is quoted with its URL.
 */

/** What the emulator needs of its host (the ZendeskEmulator). */
export interface OAuthHost {
  subdomain: string;
  users: { id: number; role: 'end-user' | 'agent' | 'admin' }[];
  url: string;
  nextId(): number;
}

/** A global OAuth client (docs: global OAuth, the unique identifier starts "zdg-"). */
export interface GlobalClient {
  secret: string;
  /** Absolute redirect URLs, https unless localhost or 127.0.0.1 (help: OAuth clients). */
  redirectUris: string[];
  /** Shown on the consent page; the identifier when not given. */
  name?: string;
}

/** One issued access token and the refresh token issued with it. */
export interface Grant {
  /** The token's resource id (docs: OAuth Tokens, the token object's `id`). */
  id: number;
  clientId: string;
  userId: number;
  scopes: string[];
  access: string;
  refresh: string;
  createdAt: number;
  expiresAt: number;
  refreshExpiresAt: number;
  usedAt: number | null;
  /** Why the pair no longer works: rotated by a refresh, revoked by id, or the client revoked. */
  revoked: null | 'rotated' | 'revoked' | 'client revoked';
}

interface Code {
  clientId: string;
  redirectUri: string;
  scope: string;
  challenge: string | null;
  userId: number;
  expiresAt: number;
  used: boolean;
}

export type AuthorizeParams = {
  response_type?: string;
  client_id?: string;
  redirect_uri?: string;
  scope?: string;
  state?: string;
  code_challenge?: string;
  code_challenge_method?: string;
};

type Answer = { status: number; data: unknown };

const PARAMS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method'] as const;

// unconfirmed (facts "Could NOT confirm" 1): the refusal of a used, expired or revoked refresh token.
// The shape is the one a third party (nango.dev) shows; Zendesk publishes none.
export const INVALID_GRANT = { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' };
// unconfirmed (facts "Could NOT confirm" 2): the 401 body for an expired or revoked access token
// (a user report says only "401 unauthorized"); the same body the emulator already gives oauthOnly tokens.
export const INVALID_TOKEN = { error: 'invalid_token', error_description: 'The access token provided is expired, revoked, malformed or invalid' };

const b64url = (b: Buffer) => b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const secret = (n = 24) => b64url(randomBytes(n));
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The scope an API request needs (docs: OAuth Tokens, "Scopes"): "read" gives GET endpoints,
 * "write" POST, PUT and DELETE; "<resource>:read|write" limits either to one resource. Resources
 * are tickets, users, organizations, webhooks, triggers and apps. Ticket fields, groups and job
 * statuses belong to no listed resource, so they need plain "read" (a 2023 report: GET
 * /api/v2/ticket_fields with tickets:read answered "missing … required scopes: read"). The
 * incremental exports are taken to be the tickets resource (unconfirmed: not stated per endpoint,
 * facts "Could NOT confirm" 8, as for webhooks and triggers). As the brief for this emulator
 * says, a resource's :write also gives its GETs, and plain "write" does not give GETs.
 */
export function missingScope(scopes: string[], method: string, path: string): string | null {
  const level = method === 'GET' || method === 'HEAD' ? 'read' : 'write';
  if (scopes.includes(level)) return null;
  const m = /^\/api\/v2\/(?:incremental\/)?([a-z_]+)/.exec(path);
  let resource = m?.[1] ?? '';
  if (resource === 'ticket_events') resource = 'tickets';
  if (resource === 'users' && /\/groups(\.json)?$/.test(path)) resource = ''; // the Groups API
  const resources = ['tickets', 'users', 'organizations', 'webhooks', 'triggers', 'apps'];
  if (resources.includes(resource)) {
    if (scopes.includes(`${resource}:${level}`)) return null;
    if (level === 'read' && scopes.includes(`${resource}:write`)) return null;
  }
  return level;
}

export class OAuthServer {
  /** Global OAuth clients by unique identifier ("zdg-…"). */
  globalClients = new Map<string, GlobalClient>();
  /** Every access/refresh pair issued by the grants, in issue order (revoked ones kept). */
  grants: Grant[] = [];
  /** Refreshes per client: granted (a new pair) and refused (invalid_grant). */
  refreshes = new Map<string, { granted: number; refused: number }>();
  /** Lifetimes when the token request gives none (facts §2: 30 minutes and 30 days for new global clients; unconfirmed, facts 14). */
  accessTokenLifetimeS = 1800;
  refreshTokenLifetimeS = 2_592_000;
  /** Who is signed in to Zendesk on the consent page: an admin of the account unless a test says otherwise. */
  consentUserId?: number;
  /** Every consent given: which user, for which client and scope. */
  consents: { userId: number; clientId: string; scope: string; allowed: boolean }[] = [];
  private codes = new Map<string, Code>();
  private byAccess = new Map<string, Grant>();
  private byRefresh = new Map<string, Grant>();
  /** Each global client's resource id (the token object's client_id is the number, docs: OAuth Tokens example). */
  private clientResourceIds = new Map<string, number>();

  constructor(private host: OAuthHost) {}

  /** The admin whose session gives consent. */
  consentUser(): number {
    return this.consentUserId ?? this.host.users.find((u) => u.role === 'admin')!.id;
  }

  /**
   * Checks an authorize request. Validation errors answer a page, never a redirect, as OAuth
   * requires for a bad client or redirect_uri (RFC 6749 §4.1.2.1); Zendesk's own error page is
   * not published (unconfirmed). PKCE: only "S256" (docs: PKCE, "Specify "S256""; "plain" is
   * refused, unconfirmed, facts 5). A global client is confidential, so PKCE is optional for it
   * ("Confidential clients can use PKCE and/or client secret", help: OAuth clients); when a
   * challenge is given, its method must be S256.
   */
  private check(p: AuthorizeParams): string | null {
    if (p.response_type !== 'code') return 'response_type must be "code"';
    const client = p.client_id ? this.globalClients.get(p.client_id) : undefined;
    if (!client) return 'Invalid client: unknown client_id';
    if (!p.redirect_uri || !client.redirectUris.includes(p.redirect_uri)) return 'The redirect_uri is not registered for this client';
    let u: URL;
    try {
      u = new URL(p.redirect_uri);
    } catch {
      return 'The redirect_uri must be an absolute URL';
    }
    const local = u.hostname === 'localhost' || u.hostname === '127.0.0.1';
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && local)) return 'The redirect_uri must be https (unless localhost or 127.0.0.1)';
    if (!p.scope?.trim()) return 'scope is required';
    if (p.code_challenge_method !== undefined && p.code_challenge_method !== 'S256') return 'code_challenge_method must be "S256"';
    if (p.code_challenge !== undefined && p.code_challenge_method === undefined) return 'code_challenge_method must be "S256"';
    if (p.code_challenge_method !== undefined && !p.code_challenge) return 'code_challenge is required with code_challenge_method';
    return null;
  }

  private static pick(src: URLSearchParams | Record<string, unknown>): AuthorizeParams {
    const out: Record<string, string> = {};
    for (const k of PARAMS) {
      const v = src instanceof URLSearchParams ? src.get(k) : src[k];
      if (typeof v === 'string') out[k] = v;
    }
    return out;
  }

  /**
   * GET /oauth/authorizations/new (docs: PKCE, step 1: "https://{subdomain}.zendesk.com/oauth/authorizations/new?"
   * with response_type, redirect_uri, client_id, scope, code_challenge_method, code_challenge).
   * The consent page lists the scopes, with Allow and Deny posting the same parameters back.
   */
  authorizePage(query: URLSearchParams): { status: number; html: string } {
    const p = OAuthServer.pick(query);
    const error = this.check(p);
    if (error) return { status: 400, html: page('Authorization failed', `<p class="error">${esc(error)}</p>`) };
    const client = this.globalClients.get(p.client_id!)!;
    const hidden = PARAMS.filter((k) => p[k] !== undefined)
      .map((k) => `<input type="hidden" name="${k}" value="${esc(p[k]!)}">`)
      .join('\n      ');
    const scopes = p.scope!.split(/\s+/).filter(Boolean);
    return {
      status: 200,
      html: page(
        `Allow ${esc(client.name ?? p.client_id!)} access?`,
        `<p><strong>${esc(client.name ?? p.client_id!)}</strong> asks for access to the ${esc(this.host.subdomain)} Zendesk account, as user ${this.consentUser()}:</p>
    <ul class="scopes">${scopes.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>
    <form method="post" action="/oauth/authorizations">
      ${hidden}
      <button type="submit" name="decision" value="allow">Allow</button>
      <button type="submit" name="decision" value="deny">Deny</button>
    </form>`,
      ),
    };
  }

  /**
   * POST /oauth/authorizations: the consent page's form. Allow redirects to redirect_uri with
   * code and state; Deny with error=access_denied and state. Zendesk's redirect parameters beyond
   * `code` are unconfirmed (facts 4): state and error=access_denied are standard OAuth (RFC 6749
   * §4.1.2, §4.1.2.1). A code is single-use and valid 120 seconds (docs: OAuth Tokens for Grant
   * Types, `code`: "valid for 120 seconds").
   */
  decide(form: URLSearchParams): { status: number; html?: string; location?: string } {
    const p = OAuthServer.pick(form);
    const error = this.check(p);
    if (error) return { status: 400, html: page('Authorization failed', `<p class="error">${esc(error)}</p>`) };
    return { status: 302, location: this.redirect(p, form.get('decision') === 'allow', this.consentUser()) };
  }

  /** The consent given without a browser: the URL the admin's browser would be redirected to. Throws on a request the page refuses. */
  approve(params: AuthorizeParams | URLSearchParams | string, opts: { deny?: boolean; userId?: number } = {}): string {
    const src = typeof params === 'string' ? new URL(params, 'http://zendesk').searchParams : params;
    const p = OAuthServer.pick(src as URLSearchParams | Record<string, unknown>);
    const error = this.check(p);
    if (error) throw new Error(`the authorize page refuses this request: ${error}`);
    return this.redirect(p, !opts.deny, opts.userId ?? this.consentUser());
  }

  private redirect(p: AuthorizeParams, allow: boolean, userId: number): string {
    const to = new URL(p.redirect_uri!);
    this.consents.push({ userId, clientId: p.client_id!, scope: p.scope!, allowed: allow });
    if (allow) {
      const code = secret(18);
      this.codes.set(code, { clientId: p.client_id!, redirectUri: p.redirect_uri!, scope: p.scope!, challenge: p.code_challenge ?? null, userId, expiresAt: Date.now() + 120_000, used: false });
      to.searchParams.set('code', code);
    } else to.searchParams.set('error', 'access_denied');
    if (p.state !== undefined) to.searchParams.set('state', p.state);
    return to.toString();
  }

  /**
   * POST /oauth/tokens for grant_type authorization_code and refresh_token (docs: OAuth Tokens for
   * Grant Types, "Create Token for Grant Type"): the body "formatted as JSON"; answers 201 with
   * access_token, token_type "bearer", scope, refresh_token, expires_in, refresh_token_expires_in.
   * A form-encoded body is refused (unconfirmed whether Zendesk accepts one, facts 6).
   */
  token(body: Record<string, unknown>, isJson: boolean): Answer {
    if (!isJson) return { status: 400, data: { error: 'invalid_request', error_description: 'The request body must be JSON' } };
    const grantType = body.grant_type;
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') return { status: 400, data: { error: 'unsupported_grant_type', error_description: 'grant_type is not supported' } };
    const clientId = typeof body.client_id === 'string' ? body.client_id : '';
    const client = this.globalClients.get(clientId);
    // The same invalid_client answer as the emulator's client-credentials grant (unconfirmed body).
    if (!client || client.secret !== body.client_secret) return { status: 401, data: { error: 'invalid_client', error_description: 'Client authentication failed' } };
    const lifetimes = this.lifetimes(body);
    if ('error' in lifetimes) return { status: 400, data: lifetimes };
    if (grantType === 'authorization_code') {
      const code = typeof body.code === 'string' ? this.codes.get(body.code) : undefined;
      if (!code || code.used || code.expiresAt <= Date.now() || code.clientId !== clientId) return { status: 400, data: { error: 'invalid_grant', error_description: 'The authorization code is invalid, expired or already used' } };
      // A code presented once is spent, whatever the outcome (RFC 6749 §4.1.2: "MUST NOT use the
      // authorization code more than once"; whether a failed exchange spends it is unconfirmed).
      code.used = true;
      // docs: `redirect_uri` "For ID purposes only": it must be the authorize request's (RFC 6749 §4.1.3).
      if (body.redirect_uri !== code.redirectUri) return { status: 400, data: { error: 'invalid_grant', error_description: 'The redirect_uri does not match the authorization request' } };
      if (code.challenge !== null) {
        const verifier = typeof body.code_verifier === 'string' ? body.code_verifier : '';
        // docs: PKCE, step 3 adds code_verifier; S256 = BASE64URL(SHA256(verifier)) (RFC 7636 §4.6).
        if (!verifier || b64url(createHash('sha256').update(verifier).digest()) !== code.challenge) return { status: 400, data: { error: 'invalid_grant', error_description: 'The code_verifier does not match the code_challenge' } };
      }
      // The token's scope is the one the admin consented to (the exchange's own `scope` is not
      // allowed to widen it; unconfirmed what Zendesk does with a different one).
      return { status: 201, data: this.issue(clientId, code.userId, code.scope.split(/\s+/).filter(Boolean), lifetimes) };
    }
    const old = typeof body.refresh_token === 'string' ? this.byRefresh.get(body.refresh_token) : undefined;
    const count = this.refreshes.get(clientId) ?? { granted: 0, refused: 0 };
    this.refreshes.set(clientId, count);
    if (!old || old.revoked || old.refreshExpiresAt <= Date.now() || old.clientId !== clientId) {
      count.refused++;
      return { status: 400, data: INVALID_GRANT };
    }
    // Rotation (docs: OAuth Tokens for Grant Types: "returns a new access token and refresh token
    // while invalidating the previous access and refresh tokens"); no grace period is documented
    // (facts 3), so both stop working at once. The new pair keeps the old scopes.
    old.revoked = 'rotated';
    count.granted++;
    return { status: 201, data: this.issue(clientId, old.userId, old.scopes, lifetimes) };
  }

  /**
   * docs: OAuth Tokens for Grant Types: expires_in "more than 300 seconds … and less than 172,800
   * seconds", refresh_token_expires_in "more than 604,800 seconds … and less than 7,776,000",
   * and not below expires_in. Out of range is refused (the error body is unconfirmed).
   */
  private lifetimes(body: Record<string, unknown>): { access: number; refresh: number } | { error: string; error_description: string } {
    const access = body.expires_in === undefined || body.expires_in === null ? this.accessTokenLifetimeS : Number(body.expires_in);
    const refresh = body.refresh_token_expires_in === undefined || body.refresh_token_expires_in === null ? this.refreshTokenLifetimeS : Number(body.refresh_token_expires_in);
    if (!Number.isInteger(access) || access < 300 || access > 172_800) return { error: 'invalid_request', error_description: 'expires_in must be between 300 and 172800 seconds' };
    if (!Number.isInteger(refresh) || refresh < 604_800 || refresh > 7_776_000 || refresh < access) return { error: 'invalid_request', error_description: 'refresh_token_expires_in must be between 604800 and 7776000 seconds, and not less than expires_in' };
    return { access, refresh };
  }

  private issue(clientId: string, userId: number, scopes: string[], life: { access: number; refresh: number }) {
    const now = Date.now();
    const g: Grant = { id: this.host.nextId(), clientId, userId, scopes, access: secret(), refresh: secret(), createdAt: now, expiresAt: now + life.access * 1000, refreshExpiresAt: now + life.refresh * 1000, usedAt: null, revoked: null };
    this.grants.push(g);
    this.byAccess.set(g.access, g);
    this.byRefresh.set(g.refresh, g);
    return { access_token: g.access, token_type: 'bearer', scope: scopes.join(' '), refresh_token: g.refresh, expires_in: life.access, refresh_token_expires_in: life.refresh };
  }

  /** The grant an access token belongs to, if the grants issued it (live or not). */
  lookup(accessToken: string): Grant | undefined {
    return this.byAccess.get(accessToken);
  }

  live(g: Grant): boolean {
    return g.revoked === null && g.expiresAt > Date.now();
  }

  /** The Show Token object (docs: OAuth Tokens, "Show Token": only the first 10 characters of the token). */
  tokenObject(g: Grant) {
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return {
      id: g.id,
      url: `${this.host.url}/api/v2/oauth/tokens/${g.id}.json`,
      client_id: this.clientResourceId(g.clientId),
      user_id: g.userId,
      token: g.access.slice(0, 10),
      refresh_token: g.refresh.slice(0, 10),
      scopes: g.scopes,
      created_at: iso(g.createdAt),
      expires_at: iso(g.expiresAt),
      refresh_token_expires_at: iso(g.refreshExpiresAt),
      used_at: g.usedAt === null ? null : iso(g.usedAt),
    };
  }

  clientResourceId(clientId: string): number {
    if (!this.clientResourceIds.has(clientId)) this.clientResourceIds.set(clientId, this.host.nextId());
    return this.clientResourceIds.get(clientId)!;
  }

  /** docs: OAuth Tokens, "Revoke Token": "immediately and permanently invalidates it" (the refresh token with it). */
  revoke(id: number): boolean {
    const g = this.grants.find((x) => x.id === id);
    if (!g) return false;
    g.revoked ??= 'revoked';
    return true;
  }

  /**
   * The admin deleting the external OAuth client's tokens (help: "Managing external OAuth clients",
   * support.zendesk.com/hc/en-us/articles/9447118302362) or removing the app: every access and
   * refresh token of the client stops working at once. Unconfirmed (facts 11) what Zendesk revokes
   * on an uninstall; this is the strict reading.
   */
  revokeClient(clientId: string): number {
    let n = 0;
    for (const g of this.grants) if (g.clientId === clientId && g.revoked === null) {
      g.revoked = 'client revoked';
      n++;
    }
    return n;
  }
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>${title}</title></head>
  <body>
    <h1>${title}</h1>
    ${body}
  </body>
</html>
`;
}
