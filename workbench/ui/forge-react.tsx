/**
 * The workbench's stand-in for Jira's UI Kit renderer. In Jira, @forge/react sends the component
 * tree to the host, which draws it with Atlassian's design system. Here the same components are drawn
 * as plain HTML with the same props, so the Forge app's own panel and glance run unchanged.
 */
import { createElement, type CSSProperties, type ReactElement, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';

type Props = { children?: ReactNode; [k: string]: unknown };
const SPACE: Record<string, string> = { 'space.050': '4px', 'space.100': '8px', 'space.200': '16px', 'space.300': '24px' };
const gap = (p: Props) => SPACE[String(p.space ?? 'space.100')] ?? '8px';

export const Box = (p: Props) => createElement('div', { className: 'uik-box' }, p.children);
export const Stack = (p: Props) => createElement('div', { className: 'uik-stack', style: { display: 'flex', flexDirection: 'column', gap: gap(p) } as CSSProperties }, p.children);
export const Inline = (p: Props) =>
  createElement('div', { className: 'uik-inline', style: { display: 'flex', gap: gap(p), alignItems: 'center', justifyContent: p.spread === 'space-between' ? 'space-between' : 'flex-start', flexWrap: 'wrap' } as CSSProperties }, p.children);
export const Heading = (p: Props) => createElement(String(p.as ?? 'h3'), { className: 'uik-heading' }, p.children);
export const Text = (p: Props) => createElement('p', { className: 'uik-text' }, p.children);
export const Label = (p: Props) => createElement('label', { className: 'uik-label', htmlFor: p.labelFor as string }, p.children);
export const Lozenge = (p: Props) => createElement('span', { className: `uik-lozenge uik-lozenge-${String(p.appearance ?? 'default')}`, 'data-appearance': p.appearance }, p.children);
export const SectionMessage = (p: Props) =>
  createElement('div', { className: `uik-section uik-section-${String(p.appearance ?? 'information')}`, role: 'status' }, p.title ? createElement('strong', null, p.title as string) : null, p.children);
export const Button = (p: Props) =>
  createElement('button', { className: `uik-button uik-button-${String(p.appearance ?? 'default')}`, type: (p.type as 'submit' | 'button') ?? 'button', onClick: p.onClick as () => void }, p.children);
export const Form = (p: Props) =>
  createElement(
    'form',
    {
      className: 'uik-form',
      onSubmit: (e: Event) => {
        e.preventDefault();
        void (p.onSubmit as () => unknown)();
      },
    },
    p.children,
  );
export const Select = (p: Props) => {
  const options = (p.options as { label: string; value: unknown }[]) ?? [];
  return createElement(
    'select',
    {
      id: p.id as string,
      className: 'uik-select',
      // Controlled when the component gives `value` (an option), as UI Kit's Select is.
      ...(p.value !== undefined ? { value: String((p.value as { value?: unknown } | undefined)?.value ?? '') } : { defaultValue: (p.defaultValue as { value?: string } | undefined)?.value ?? '' }),
      onChange: (e: { target: { value: string } }) => (p.onChange as (o: { label: string; value: unknown }) => void)(options.find((o) => String(o.value) === e.target.value) ?? { label: '', value: e.target.value }),
    },
    createElement('option', { value: '', disabled: true }, 'Select…'),
    ...options.map((o) => createElement('option', { key: String(o.value), value: String(o.value) }, o.label)),
  );
};
// UI Kit passes change events across its bridge as plain data: { target: { value } }.
const field = (tag: 'input' | 'textarea') => (p: Props) =>
  createElement(tag, { id: p.id as string, className: `uik-${tag}`, value: (p.value as string) ?? '', readOnly: p.isReadOnly === true, onChange: (e: { target: { value: string } }) => (p.onChange as (e: unknown) => void)?.({ target: { value: e.target.value } }) });
export const TextArea = field('textarea');
export const Checkbox = (p: Props) =>
  createElement(
    'label',
    { className: 'uik-checkbox' },
    createElement('input', { type: 'checkbox', id: p.id as string, checked: p.isChecked === true, onChange: (e: { target: { checked: boolean } }) => (p.onChange as (e: unknown) => void)({ target: { checked: e.target.checked } }) }),
    ' ',
    p.label as ReactNode,
  );
export const Textfield = field('input');
export const Link = (p: Props) => createElement('a', { className: 'uik-link', href: p.href as string, target: p.openNewTab ? '_blank' : undefined }, p.children);

type Cell = { key: string; content: ReactNode };
/** UI Kit's DynamicTable: a table with its caption, head cells and rows of cells. */
export const DynamicTable = (p: Props) => {
  const head = (p.head as { cells: Cell[] } | undefined)?.cells ?? [];
  const rows = (p.rows as { key: string; cells: Cell[] }[] | undefined) ?? [];
  return createElement(
    'table',
    { className: 'uik-table' },
    p.caption ? createElement('caption', null, p.caption as string) : null,
    createElement('thead', null, createElement('tr', null, ...head.map((c) => createElement('th', { key: c.key, scope: 'col' }, c.content)))),
    createElement('tbody', null, ...(rows.length ? rows.map((r) => createElement('tr', { key: r.key }, ...r.cells.map((c) => createElement('td', { key: c.key }, c.content)))) : [createElement('tr', { key: 'empty' }, createElement('td', { colSpan: head.length || 1 }, p.emptyView as ReactNode))])),
  );
};
/** UI Kit's ProgressBar as Atlaskit's progress-bar renders it: a progressbar role, its label and value (0 to 1). */
export const ProgressBar = (p: Props) => {
  const value = Math.max(0, Math.min(1, Number(p.value) || 0));
  return createElement(
    'div',
    { className: `uik-progress uik-progress-${String(p.appearance ?? 'default')}`, role: 'progressbar', 'aria-label': p.ariaLabel as string, 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(value * 100) },
    createElement('span', { style: { width: `${value * 100}%` } as CSSProperties }),
  );
};
const ForgeReconciler = {
  render(element: ReactElement) {
    createRoot(document.getElementById('root')!).render(element);
  },
};
export default ForgeReconciler;
