import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';

/**
 * The checks `zcli apps:validate` would run on this app, done offline. Each rule names its source
 * in Zendesk's public Ruby gem zendesk/zendesk_apps_support (lib/zendesk_apps_support/...), which
 * is what Zendesk runs on upload. Only the rules that can apply to a Support sidebar app with
 * requirements are encoded.
 */
export interface Finding {
  rule: string;
  message: string;
}

// manifest/parameter.rb: Parameter::TYPES (plus oauth, which manifest.rb validates separately).
const PARAMETER_TYPES = ['text', 'password', 'checkbox', 'url', 'number', 'multiline', 'hidden', 'oauth'];
// app_version.rb: AppVersion::TO_BE_SERVED
const FRAMEWORK_VERSIONS = ['0.5', '1.0', '2.0'];
// location.rb: the Support locations
const SUPPORT_LOCATIONS = ['top_bar', 'nav_bar', 'ticket_sidebar', 'new_ticket_sidebar', 'user_sidebar', 'organization_sidebar', 'background', 'ticket_editor', 'modal'];
// app_requirement.rb: AppRequirement::TYPES
const REQUIREMENT_TYPES = ['automations', 'channel_integrations', 'custom_objects', 'macros', 'targets', 'views', 'ticket_fields', 'triggers', 'user_fields', 'organization_fields', 'webhooks', 'custom_objects_v2'];
// Views API, Create View (developer.zendesk.com/api-reference/ticketing/business-rules/views/):
// the "View columns" table's values; a custom field is a column by its id (in requirements.json,
// by the identifier of a ticket_fields requirement).
const VIEW_COLUMNS = ['assigned', 'assignee', 'due_date', 'group', 'nice_id', 'updated', 'updated_assignee', 'updated_requester', 'updated_by_type', 'organization', 'priority', 'created', 'requester', 'locale_id', 'satisfaction_score', 'solved', 'status', 'description', 'submitter', 'ticket_form', 'type', 'brand', 'custom_status_id'];
// "View sorting": group_by and sort_by take a column, except these.
const UNSORTABLE_COLUMNS = ['description', 'submitter', 'custom_status_id'];
// Create View: "at least one condition in the all array that checks" one of these.
const VIEW_ANCHOR_FIELDS = ['status', 'type', 'group_id', 'assignee_id', 'requester_id'];
const MAX_VIEW_COLUMNS = 10;
// validations/translations.rb: VALID_LOCALE
const VALID_LOCALE = /^[a-z]{2}(-\w{2,3})?$/;

export function validatePackage(dir: string): Finding[] {
  const out: Finding[] = [];
  const add = (rule: string, message: string) => out.push({ rule, message });
  const json = (file: string, rule: string): any => {
    try {
      return JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (e) {
      add(rule, `${file}: ${existsSync(join(dir, file)) ? 'not JSON' : 'missing'}`);
      return undefined;
    }
  };

  // validations/manifest.rb
  const m = json('manifest.json', 'manifest.missing_manifest / manifest_not_json');
  if (m) {
    for (const key of ['author', 'defaultLocale']) if (m[key] === undefined) add('manifest.rb missing_keys_error', `manifest.json: missing ${key}`);
    if (!m.location || !Object.keys(m.location).length) add('manifest.rb missing_location_error', 'manifest.json: missing location');
    if (m.frameworkVersion === undefined) add('manifest.rb missing_framework_version', 'manifest.json: missing frameworkVersion');
    else if (!FRAMEWORK_VERSIONS.includes(m.frameworkVersion)) add('manifest.rb invalid_version_error', `manifest.json: frameworkVersion ${m.frameworkVersion} is not served`);
    for (const key of ['defaultLocale', 'version', 'frameworkVersion']) if (m[key] !== undefined && typeof m[key] !== 'string') add('manifest.rb string_error', `manifest.json: ${key} must be a string`);
    for (const key of ['requirementsOnly', 'marketingOnly', 'singleInstall', 'signedUrls', 'private']) if (m[key] !== undefined && typeof m[key] !== 'boolean') add('manifest.rb boolean_error', `manifest.json: ${key} must be true or false`);
    if (m.author) for (const k of ['name', 'email', 'url']) if (m.author[k] !== undefined && typeof m.author[k] !== 'string') add('manifest.rb string_error', `manifest.json: author ${k} must be a string`);
    if (m.author?.url && !/^https?:\/\//.test(m.author.url)) add('manifest.rb validate_urls', 'manifest.json: author url is not a URL');
    if (m.defaultLocale !== undefined) {
      if (!VALID_LOCALE.test(m.defaultLocale)) add('manifest.rb default_locale_error', `manifest.json: invalid defaultLocale ${m.defaultLocale}`);
      else if (!existsSync(join(dir, 'translations', `${m.defaultLocale}.json`))) add('manifest.rb missing_translation_file', `translations/${m.defaultLocale}.json is missing`);
    }
    for (const [host, locations] of Object.entries<any>(m.location ?? {})) {
      if (host !== 'support') add('manifest.rb invalid_host', `manifest.json: unknown host ${host}`);
      for (const [loc, opts] of Object.entries<any>(locations ?? {})) {
        if (!SUPPORT_LOCATIONS.includes(loc)) add('manifest.rb invalid_location_error', `manifest.json: unknown location ${host}.${loc}`);
        const url = typeof opts === 'string' ? opts : opts?.url;
        if (typeof url !== 'string' || !url) add('manifest.rb blank_location_uri', `manifest.json: ${loc} has no url`);
        else if (/^[a-z]+:/i.test(url)) {
          if (!url.startsWith('https://') && !/^https?:\/\/localhost[:/]/.test(url)) add('manifest.rb invalid_location_uri', `manifest.json: ${url} must be https or localhost`);
        } else if (!url.startsWith('assets/') || !existsSync(join(dir, url))) add('manifest.rb invalid_location_uri', `manifest.json: ${url} must be a file under assets/`);
        // package.rb / the apps docs: a nav_bar, top_bar or ticket_editor app needs its icon, assets/icon_<location>.svg.
        if (['nav_bar', 'top_bar', 'ticket_editor'].includes(loc) && !existsSync(join(dir, 'assets', `icon_${loc}.svg`))) add('package.rb location icons', `assets/icon_${loc}.svg is missing (the ${loc} location needs its icon)`);
        if (opts?.flexible !== undefined && typeof opts.flexible !== 'boolean') add('manifest.rb invalid_location_flexible_type', `manifest.json: ${loc}.flexible must be a boolean`);
      }
    }
    const params: any[] = m.parameters ?? [];
    if (!Array.isArray(params)) add('manifest.rb parameters_not_an_array', 'manifest.json: parameters must be an array');
    else {
      const names = params.map((p) => p.name);
      const dup = names.filter((n, i) => names.indexOf(n) !== i);
      if (dup.length) add('manifest.rb duplicate_parameters', `manifest.json: duplicate parameters ${dup.join(', ')}`);
      for (const p of params) {
        if (!PARAMETER_TYPES.includes(p.type ?? 'text')) add('manifest.rb invalid_type_error', `manifest.json: parameter ${p.name} has type ${p.type}`);
        for (const k of ['required', 'secure']) if (p[k] !== undefined && typeof p[k] !== 'boolean') add('manifest.rb parameters_error', `manifest.json: parameters.${p.name}.${k} must be a boolean`);
        if (p.type === 'hidden' && p.required) add('manifest.rb invalid_hidden_parameter_error', `manifest.json: hidden parameter ${p.name} cannot be required`);
        if (p.name === 'name') add('manifest.rb name_as_parameter_name_error', 'manifest.json: a parameter cannot be called name');
        if (p.type === 'oauth' && p.secure) add('manifest.rb oauth_cannot_be_secure', `manifest.json: ${p.name}`);
        if (p.secure && !m.domainWhitelist) add('validations/secure_settings.rb', `manifest.json: secure parameter ${p.name} needs a domainWhitelist`);
      }
      if (params.filter((p) => p.type === 'oauth').length > 1) add('manifest.rb too_many_oauth_parameters', 'manifest.json: at most one oauth parameter');
    }
  }

  // validations/requirements.rb
  if (existsSync(join(dir, 'requirements.json'))) {
    const r = json('requirements.json', 'requirements.rb requirements_not_json');
    if (r) {
      const bad = Object.keys(r).filter((k) => !REQUIREMENT_TYPES.includes(k));
      if (bad.length) add('requirements.rb invalid_requirements_types', `requirements.json: unknown types ${bad.join(', ')}`);
      let count = 0;
      for (const [type, group] of Object.entries<any>(r)) {
        if (['channel_integrations', 'custom_objects', 'custom_objects_v2'].includes(type)) continue;
        for (const [id, fields] of Object.entries<any>(group ?? {})) {
          count++;
          // validations/requirements.rb at zendesk_apps_support f3de3c7 (2026-08): webhooks are
          // exempt from title and need name, status, endpoint, http_method and request_format.
          if (type === 'webhooks') {
            for (const key of ['name', 'status', 'endpoint', 'http_method', 'request_format']) if (!fields || !(key in fields)) add('requirements.rb missing_required_fields', `requirements.json: ${type}.${id} has no ${key}`);
            continue;
          }
          if (!fields || !('title' in fields)) add('requirements.rb missing_required_fields', `requirements.json: ${type}.${id} has no title`);
          if ((type === 'user_fields' || type === 'organization_fields') && !('key' in fields)) add('requirements.rb missing_required_fields', `requirements.json: ${type}.${id} has no key`);
          if (type === 'ticket_fields' && fields.type === 'tagger') {
            const opts = fields.custom_field_options ?? [];
            if (!opts.length) add('ticket field API: tagger options', `requirements.json: ${id} is a tagger with no options`);
            const values = opts.map((o: any) => o.value);
            if (new Set(values).size !== values.length) add('ticket field API: tagger options', `requirements.json: ${id} repeats an option value`);
            for (const v of values) if (!/^[a-z0-9_]+$/.test(v)) add('ticket field API: tagger options', `requirements.json: ${id} option ${v} is not a valid tag`);
          }
        }
      }
      if (count > 5000) add('requirements.rb excessive_requirements', `requirements.json: ${count} requirements`);
      for (const [id, v] of Object.entries<any>(r.views ?? {})) for (const message of viewProblems(id, v, Object.keys(r.ticket_fields ?? {}))) add('Views API: Create View', message);
    }
  }

  // validations/translations.rb
  const tdir = join(dir, 'translations');
  for (const f of existsSync(tdir) ? readdirSync(tdir) : []) {
    const locale = f.replace(/\.json$/, '');
    if (!VALID_LOCALE.test(locale)) add('translations.rb translation.invalid_locale', `translations/${f}`);
    const t = json(`translations/${f}`, 'translations.rb translation.not_json');
    if (t === undefined) continue;
    if (typeof t !== 'object' || Array.isArray(t)) add('translations.rb translation.not_json_object', `translations/${f}`);
    const leaves = (o: any, path: string): void => {
      for (const [k, v] of Object.entries(o)) {
        if (typeof v === 'object' && v !== null) leaves(v, `${path}.${k}`);
        else if (typeof v !== 'string') add('translations.rb translation.invalid_format', `translations/${f}: ${path}.${k} is not a string`);
      }
    };
    leaves(t, f);
    if (locale === 'en' && m) {
      const mandatory = m.private ? ['name'] : ['name', 'short_description', 'installation_instructions', 'long_description'];
      const missing = mandatory.filter((k) => !t.app?.[k]);
      if (missing.length) add('translations.rb translation.missing_required_key', `translations/en.json: app.${missing.join(', app.')}`);
    }
    // Every parameter needs a label in every translation (what the admin's settings page shows).
    for (const p of m?.parameters ?? []) if (!t.app?.parameters?.[p.name]?.label) add('translations: parameter labels', `translations/${f}: app.parameters.${p.name}.label is missing`);
  }

  // Assets: package.rb / Marketplace listing logos (HOSTS.md: both are required).
  for (const [logo, size] of [['logo.png', 320], ['logo-small.png', 128]] as const) {
    const file = join(dir, 'assets', logo);
    if (!existsSync(file)) {
      add('assets: logos', `assets/${logo} is missing`);
      continue;
    }
    const b = readFileSync(file);
    const isPng = b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    if (!isPng) add('validations/mime.rb', `assets/${logo} is not a PNG`);
    else if (b.readUInt32BE(16) !== size || b.readUInt32BE(20) !== size) add('assets: logos', `assets/${logo} must be ${size}x${size}`);
  }
  return out;
}

/**
 * What the Views API's Create View refuses or ignores in a view requirement (zendesk_apps_support
 * itself checks only its title). `fields`: the identifiers of the file's ticket_fields, which a
 * view names as columns, sorts and conditions (custom_fields_<identifier>).
 */
function viewProblems(id: string, v: any, fields: readonly string[]): string[] {
  const out: string[] = [];
  const at = `requirements.json: views.${id}`;
  if (!v || typeof v !== 'object') return [`${at} is not an object`];
  const custom = (name: unknown) => typeof name === 'string' && (fields.includes(name) || /^\d+$/.test(name));
  const all: any[] = Array.isArray(v.all) ? v.all : [];
  if (!all.length) out.push(`${at}: all needs at least one condition`);
  else if (!all.some((c) => VIEW_ANCHOR_FIELDS.includes(c?.field))) out.push(`${at}: all needs a condition on ${VIEW_ANCHOR_FIELDS.join(', ')}`);
  for (const c of [...all, ...(Array.isArray(v.any) ? v.any : [])]) {
    if (!c || typeof c.field !== 'string' || typeof c.operator !== 'string') out.push(`${at}: a condition needs a field and an operator`);
    else if (c.field.startsWith('custom_fields_') && !custom(c.field.slice('custom_fields_'.length))) out.push(`${at}: condition on ${c.field}, which is no ticket field of this app`);
  }
  const o = v.output;
  if (o === undefined) return out;
  const columns: unknown[] = Array.isArray(o.columns) ? o.columns : [];
  if (columns.length > MAX_VIEW_COLUMNS) out.push(`${at}: ${columns.length} columns, at most ${MAX_VIEW_COLUMNS}`);
  for (const c of columns) if (!VIEW_COLUMNS.includes(c as string) && !custom(c)) out.push(`${at}: unknown column ${JSON.stringify(c)}`);
  for (const key of ['sort_by', 'group_by']) {
    const by = o[key];
    if (by === undefined) continue;
    if (UNSORTABLE_COLUMNS.includes(by)) out.push(`${at}: ${key} ${by} is a column views cannot ${key === 'sort_by' ? 'sort' : 'group'} by`);
    else if (!VIEW_COLUMNS.includes(by) && !custom(by)) out.push(`${at}: ${key} ${JSON.stringify(by)} is not a column`);
  }
  for (const key of ['sort_order', 'group_order']) if (o[key] !== undefined && o[key] !== 'asc' && o[key] !== 'desc') out.push(`${at}: ${key} must be asc or desc`);
  return out;
}
