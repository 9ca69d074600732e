import { localeOf, type TicketView } from '@sla-desk/core';
import { decide, tierChangeBreaches, type LoadResult } from '../sla/session';
import { wire, type Wired } from '../sla/wire';
import { resize } from '../zaf/host';
import type { ZafClient } from '../zaf/types';
import { HUE } from './hues';
import { stringsFor, type Strings } from './i18n';
import { noticesOf, type Notice } from './notice-list';

/**
 * The sidebar's first view, in plain DOM: React, Garden and styled-components are most of the
 * sidebar's JavaScript, and the countdown needs none of them. The page's first script (./main.tsx)
 * shows it as soon as the ticket is in, and the UI (./ui.tsx), loaded after, replaces it with the
 * same texts in Garden's components. It has what SidebarView shows but what waits for the UI anyway
 * ("why this due time?", the buttons, the override); iframe.html's CSS gives it Garden's look.
 */
export function showFirstView(root: HTMLElement, client: ZafClient, result: LoadResult, clock: () => number): () => void {
  const t = stringsFor(localeOf(result.ok ? result.data.user.locale : undefined));
  const data = result.ok ? result.data : null;
  let wired: Wired | null = null;
  const draw = () => {
    const now = clock();
    const view = data ? decide(data, now).view : null;
    const notices = noticesOf(t, { problems: result.ok ? undefined : result.problems, data, saveFailed: wired?.saveFailed ?? false, tierBreaches: data ? tierChangeBreaches(data, now) : [] });
    root.replaceChildren(firstView(t, view, notices));
    // Sized once the view is in (a microtask later), as the UI sizes it after each render.
    queueMicrotask(() => resize(client, document.body.scrollHeight));
  };
  draw();
  // Wired in the same task, so that an edit in the form while the UI comes counts (the UI finds the
  // same wiring); after the first draw, so that its ZAF calls (locking the priority) wait for it.
  wired = data ? wire(client, data, clock) : null;
  // It counts down, as the UI does, in case the UI's script is slow to come.
  const tick = setInterval(draw, 1000);
  const unlisten = wired?.listen(draw);
  return () => {
    clearInterval(tick);
    unlisten?.();
  };
}

type Child = Node | string | null | false | undefined;

function el(tag: string, attrs: Record<string, string | undefined>, ...children: Child[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, v);
  for (const c of children) if (c) e.append(c);
  return e;
}

// Garden's MD and SM are divs of 14 and 12 px; its Tag a div too.
const sm = (attrs: Record<string, string | undefined>, ...children: Child[]) => el('div', { ...attrs, class: `sla-sm ${attrs.class ?? ''}`.trim() }, ...children);
const tag = (hue: string, testid: string, text: string) => el('div', { class: `sla-tag sla-tag-${hue}`, 'data-testid': testid }, text);

/** What SidebarView renders for the same view model and notices, less what only the UI can do. */
export function firstView(t: Strings, view: TicketView | null, notices: Notice[]): HTMLElement {
  return el(
    'div',
    { class: 'sla-sidebar', 'data-first-view': '' },
    ...notices.map((n) => el('div', { class: `sla-notice sla-notice-${n.kind}` }, sm({}, n.text), ...(n.details ?? []).map((d) => sm({ class: 'sla-mono' }, d)))),
    ...(view
      ? [
          el(
            'div',
            { class: 'sla-row', 'data-testid': 'priority' },
            el('div', { class: 'sla-md sla-bold' }, `${t.priority}: `, el('span', { 'data-testid': 'priority-label' }, view.priority.label)),
            sm({ 'data-testid': 'priority-reason' }, view.priority.reason),
            view.context && sm({ class: 'sla-context', 'data-testid': 'policy-context' }, view.context),
            view.ruleText && sm({ class: 'sla-rule', 'data-testid': 'policy-rule' }, view.ruleText),
          ),
          el('div', { class: 'sla-row' }, tag('kale', 'tier-badge', view.tier.label), ...view.maintenance.map((m) => tag('orange', 'maintenance-badge', m.text))),
          el(
            'ul',
            { class: 'sla-metrics' },
            ...view.metrics.map((m) =>
              el(
                'li',
                { 'data-testid': `metric-${m.metric}`, 'data-state': m.state, 'data-tone': m.tone },
                el('div', { class: 'sla-metric-head' }, sm({ class: 'sla-bold' }, m.label), tag(HUE[m.tone], `state-${m.metric}`, m.stateLabel)),
                sm({ role: 'timer', 'aria-live': 'off', 'aria-label': `${m.label}: ${m.text}`, 'data-testid': `countdown-${m.metric}` }, m.text),
                m.clockText && sm({ class: 'sla-clock', 'data-testid': `clock-${m.metric}` }, m.clockText + (m.resumesText ? ` · ${m.resumesText}` : '')),
                m.dueText && sm({ 'data-testid': `due-${m.metric}` }, `${t.due} ${m.dueText}`),
                m.cyclesText && sm({ class: 'sla-cycles', 'data-testid': `cycles-${m.metric}` }, m.cyclesText),
                m.levelText && sm({ class: 'sla-level', 'data-testid': `level-${m.metric}` }, m.levelText),
              ),
            ),
          ),
          ...view.warnings.map((w) => sm({ class: 'sla-warning', 'data-testid': 'warning' }, w)),
        ]
      : []),
  );
}
