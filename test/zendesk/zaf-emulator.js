/*
 * A ZAF emulator for browser tests and the workbench: it stands in for
 * https://static.zdassets.com/zendesk_app_framework_sdk/2.0/zaf_sdk.min.js and implements the part
 * of the client SLA Desk uses (get, set, invoke, request, on, metadata, context) over a seeded
 * ticket with audits. The seed comes from window.__ZAF_SEED__; tests drive it through window.__zaf.
 *
 * Sources, per feature (developer.zendesk.com, "Apps" > "ZAF Client API" unless said otherwise):
 *  - ZAFClient.init() returns false without origin and app_guid in the URL: the SDK's own source
 *    (zendesk/zendesk_app_framework_sdk, lib/index.js).
 *  - client.get(paths) resolves one object keyed by path, with failed paths under `errors`
 *    ("Client object: get"). Paths served from the seed: ticket.* of the Ticket sidebar's "Ticket
 *    object" (ticket.id, ticket.createdAt, ticket.status, ticket.priority, ticket.tags,
 *    ticket.requester, ticket.organization, ticket.customField:custom_field_<id>), the user and
 *    organization custom fields by key (ticket.requester.customField:<key>,
 *    ticket.organization.customField:<key>), currentUser ("Core API: currentUser", with role and
 *    groups), and requirement:<identifier> ("Apps requirements": { requirement_id, requirement_type }).
 *  - client.set(path, value) edits the form and fires ticket.custom_field_<id>.changed /
 *    ticket.priority.changed ("Ticket sidebar: events").
 *  - client.invoke('resize' | 'ticketFields:priority.disable'): "Core API: resize" and "Ticket
 *    sidebar: ticketFields actions"; recorded, no effect here. 'ticket.tags.add' adds to ticket.tags,
 *    'ticket.tags.remove' removes from it; neither touches the other tags.
 *  - client.request(options): "Client object: request"; a failure rejects with the XHR-like object
 *    { status, statusText, responseText }. The REST answers it gives are Zendesk's (audits with
 *    include=users; Groups API "List Groups" for a user); with seed.rest they come from the
 *    workbench's REST emulation.
 *  - client.metadata(): "Client object: metadata" ({ settings, installationId, ... }); client.context():
 *    "Core API: context" ({ location, account: { subdomain } }).
 *  - A request to another domain (the hosted service) goes through window.__zafProxy, the proxy the
 *    test runs in Node (browser.cjs): "Using secure settings" — only there are secure settings filled
 *    in, only with `secure: true`, and only for a host in the manifest's domainWhitelist.
 *  - ticket.save hooks: "Ticket sidebar: ticket.save hook" (false, a string or an Error blocks).
 */
(function () {
  var seed = window.__ZAF_SEED__ || {};
  var state = {
    values: Object.assign({}, seed.values || {}),
    settings: Object.assign({}, seed.settings || {}),
    audits: (seed.audits || []).slice(),
    users: (seed.users || []).slice(),
    comments: [],
    calls: [],
    handlers: {},
    // Round trips: a wave of calls to the host that overlap in time. latencyMs makes each call take
    // that long, as a postMessage to Zendesk does, so that calls made together overlap.
    latencyMs: seed.latencyMs || 0,
    inFlight: 0,
    waves: 0,
  };

  function host(fn) {
    return function () {
      var args = arguments;
      if (state.inFlight++ === 0) state.waves++;
      return new Promise(function (resolve) {
        setTimeout(resolve, state.latencyMs);
      })
        .then(function () {
          return fn.apply(null, args);
        })
        .finally(function () {
          state.inFlight--;
        });
    };
  }

  function copy(v) {
    return v === undefined ? v : JSON.parse(JSON.stringify(v));
  }

  function customFieldEvent(path) {
    var m = /^ticket\.customField:custom_field_(\d+)$/.exec(path);
    return m ? 'ticket.custom_field_' + m[1] + '.changed' : path === 'ticket.priority' ? 'ticket.priority.changed' : null;
  }

  function fire(event, args) {
    var handlers = state.handlers[event] || [];
    return handlers.reduce(function (p, h) {
      return p.then(function (last) {
        return Promise.resolve(h.apply(null, args)).then(function (r) {
          return r === undefined ? last : r;
        });
      });
    }, Promise.resolve(undefined));
  }

  function forward(base, options) {
    var headers = options.contentType ? { 'content-type': options.contentType } : {};
    // ZAF's requests to the account act as the signed-in user (their session): seed.restAuthorization stands for it.
    if (seed.restAuthorization) headers.authorization = seed.restAuthorization;
    // The account's API is Zendesk's own origin to ZAF; a test's emulator is on another port, so
    // its requests go through the test's proxy where there is one (no CORS on that path in Zendesk either).
    if (window.__zafProxy) {
      return window.__zafProxy({ url: base + options.url, type: options.type, headers: headers, data: options.data }).then(function (r) {
        if (r.status < 200 || r.status > 299) throw { status: r.status, statusText: r.statusText, responseText: r.text };
        return r.text ? JSON.parse(r.text) : {};
      });
    }
    return fetch(base + options.url, {
      method: options.type || 'GET',
      headers: headers,
      body: options.data,
    }).then(function (res) {
      return res.text().then(function (text) {
        if (!res.ok) throw { status: res.status, statusText: res.statusText, responseText: text };
        return text ? JSON.parse(text) : {};
      });
    });
  }

  var client = {
    get: function (paths) {
      var list = Array.isArray(paths) ? paths : [paths];
      state.calls.push({ method: 'get', args: [list] });
      var out = {};
      var errors = {};
      list.forEach(function (p) {
        if (Object.prototype.hasOwnProperty.call(state.values, p)) out[p] = copy(state.values[p]);
        else if (/^requirement:/.test(p)) out[p] = null;
        else errors[p] = { message: 'no such path: ' + p };
      });
      if (Object.keys(errors).length) out.errors = errors;
      return Promise.resolve(out);
    },
    set: function (path, value) {
      state.calls.push({ method: 'set', args: [path, copy(value)] });
      state.values[path] = copy(value);
      var event = customFieldEvent(path);
      return (event ? fire(event, [value]) : Promise.resolve()).then(function () {
        return {};
      });
    },
    invoke: function (name) {
      var args = Array.prototype.slice.call(arguments, 1);
      state.calls.push({ method: 'invoke', args: [name].concat(copy(args)) });
      // "Ticket sidebar: ticket.tags.add": the tags join the form's, saved with the ticket.
      if (name === 'ticket.tags.add') {
        var add = Array.isArray(args[0]) ? args[0] : [args[0]];
        var tags = (state.values['ticket.tags'] || []).slice();
        add.forEach(function (t) {
          if (tags.indexOf(t) < 0) tags.push(t);
        });
        state.values['ticket.tags'] = tags;
      }
      // "Ticket sidebar: ticket.tags.remove": the named tags leave the form's, the others stay.
      if (name === 'ticket.tags.remove') {
        var drop = Array.isArray(args[0]) ? args[0] : [args[0]];
        state.values['ticket.tags'] = (state.values['ticket.tags'] || []).filter(function (t) {
          return drop.indexOf(t) < 0;
        });
      }
      return Promise.resolve({});
    },
    request: function (options) {
      state.calls.push({ method: 'request', args: [copy(options)] });
      var url = options.url;
      // "Client object: request" to another domain goes through Zendesk's proxy, which alone fills in
      // {{setting.<name>}} of secure settings ("Using secure settings"): the test's proxy (browser.cjs,
      // in Node) does, so that a secure setting never reaches the page.
      if (/^https?:\/\//.test(url)) {
        if (!window.__zafProxy) return Promise.reject({ status: 0, statusText: 'no proxy', responseText: 'the emulator has no proxy for ' + url });
        return window.__zafProxy(copy(options)).then(function (r) {
          if (r.status < 200 || r.status > 299) throw { status: r.status, statusText: r.statusText, responseText: r.text };
          // "Client object: request" answers as jQuery's ajax does: JSON parsed, other types as text.
          return /json/.test(r.contentType || '') ? JSON.parse(r.text || '{}') : r.text;
        });
      }
      // The workbench answers Zendesk's REST API from its own store: forward the request there.
      if (seed.rest) return forward(seed.rest, options);
      if (/\/audits\.json/.test(url)) return Promise.resolve({ audits: copy(state.audits), users: copy(state.users), next_page: null, previous_page: null, count: state.audits.length });
      var g = /^\/api\/v2\/users\/(\d+)\/groups\.json$/.exec(url);
      if (g) {
        var groups = (seed.groups || {})[g[1]] || [];
        return Promise.resolve({ groups: copy(groups), next_page: null, previous_page: null, count: groups.length });
      }
      if ((options.type || 'GET') === 'PUT' && /^\/api\/v2\/tickets\/\d+\.json$/.test(url)) {
        var body = JSON.parse(options.data || '{}');
        if (body.ticket && body.ticket.comment) state.comments.push(body.ticket.comment);
        return Promise.resolve({ ticket: { id: state.values['ticket.id'] } });
      }
      return Promise.reject({ status: 404, statusText: 'Not Found', responseText: 'no emulated answer for ' + url });
    },
    on: function (event, handler) {
      state.calls.push({ method: 'on', args: [event] });
      (state.handlers[event] = state.handlers[event] || []).push(handler);
    },
    metadata: function () {
      return Promise.resolve({ settings: copy(state.settings), installationId: seed.installationId || 1 });
    },
    context: function () {
      // "Core API: context": the location, and the account's subdomain.
      var account = { subdomain: seed.subdomain || 'example' };
      if (seed.location) return Promise.resolve({ location: seed.location, account: account });
      return Promise.resolve({ location: state.values['ticket.id'] ? 'ticket_sidebar' : 'new_ticket_sidebar', ticketId: state.values['ticket.id'], account: account });
    },
  };

  ['get', 'set', 'invoke', 'request', 'metadata', 'context'].forEach(function (name) {
    client[name] = host(client[name]);
  });

  window.ZAFClient = {
    // As the real SDK: no client unless the URL carries origin and app_guid.
    init: function () {
      var q = new URLSearchParams(window.location.search);
      return q.get('origin') && q.get('app_guid') ? client : false;
    },
  };
  window.__zaf = {
    state: state,
    fire: function (event) {
      return fire(event, Array.prototype.slice.call(arguments, 1));
    },
    /** What an agent's edit of the form does: the value changes, then the field's change event fires. */
    edit: function (path, value) {
      state.values[path] = value;
      var event = customFieldEvent(path);
      return event ? fire(event, [value]) : Promise.resolve();
    },
  };
})();
