"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const jsx_runtime_1 = require("react/jsx-runtime");
/**
 * @jest-environment jsdom
 */
const react_1 = require("@testing-library/react");
const core_1 = require("@sla-desk/core");
const fs_1 = require("fs");
const path_1 = require("path");
const core_2 = require("@sla-desk/core");
// UI Kit components rendered as plain elements that keep their props visible.
jest.mock('@forge/react', () => {
    const React = jest.requireActual('react');
    const el = (tag, name) => (props) => React.createElement(tag, { 'data-ui': name, 'data-appearance': props.appearance, id: props.id }, props.children);
    return {
        __esModule: true,
        default: { render: () => undefined },
        Box: el('div', 'Box'),
        Stack: el('div', 'Stack'),
        Inline: el('div', 'Inline'),
        Heading: el('h4', 'Heading'),
        Text: el('span', 'Text'),
        Label: el('label', 'Label'),
        Lozenge: el('span', 'Lozenge'),
        SectionMessage: el('div', 'SectionMessage'),
        Button: el('button', 'Button'),
        Form: (props) => React.createElement('form', { 'data-ui': 'Form', onSubmit: (e) => (e.preventDefault(), props.onSubmit()) }, props.children),
        Select: (props) => React.createElement('select', { id: props.id, 'data-ui': 'Select', onChange: (e) => props.onChange({ value: e.target.value }) }, props.options.map((o) => React.createElement('option', { key: o.value, value: o.value }, o.value))),
        TextArea: (props) => React.createElement('textarea', { id: props.id, value: props.value, onChange: props.onChange }),
        Textfield: (props) => React.createElement('input', { id: props.id, value: props.value, onChange: props.onChange }),
    };
});
const invoke = jest.fn();
jest.mock('@forge/bridge', () => ({ invoke: (...a) => invoke(...a) }));
const panel_1 = require("../src/frontend/panel");
const kiwi = (0, core_2.parsePolicy)((0, fs_1.readFileSync)((0, path_1.join)(__dirname, '..', '..', 'core', 'presets', 'kiwi-stage-plus.yaml'), 'utf8')).policy;
const created = new Date(Date.now() - 20 * 60_000).toISOString();
const timeline = core_1.TimelineSchema.parse({ id: 'SUP-1', createdAt: created, fields: { impact: '2', urgency: '1', tier: 'plus', status: 'open' } });
function panelData(lead) {
    const view = (0, core_1.ticketView)((0, core_1.evaluate)(kiwi, timeline, Date.now()), 'en', 'UTC');
    return { ok: true, view, policy: kiwi, timeline, locale: 'en', timezone: 'UTC', policyName: kiwi.name, priorities: [{ id: 'P1', label: 'P1' }, { id: 'P2', label: 'P2' }], current: 'P2', lead };
}
beforeEach(() => invoke.mockReset());
test('the panel shows the view model: reason, tier, and a countdown lozenge per metric', async () => {
    invoke.mockResolvedValueOnce(panelData(false));
    await (0, react_1.act)(async () => void (0, react_1.render)((0, jsx_runtime_1.jsx)(panel_1.Panel, {})));
    expect(await react_1.screen.findByText('Impact 2 x Urgency 1 → P2, KIWI STAGE+ Plus')).toBeTruthy();
    const lozenges = [...document.querySelectorAll('[data-ui="Lozenge"]')].map((l) => [l.textContent, l.getAttribute('data-appearance')]);
    expect(lozenges[0]).toEqual(['Plus', 'inprogress']);
    expect(lozenges.slice(1).every(([text]) => /left|Breached|No SLA|Paused/.test(text ?? ''))).toBe(true);
    expect(document.querySelector('[data-ui="Form"]')).toBeNull();
});
test('a lead sees the override form; a refused override shows why', async () => {
    invoke.mockResolvedValueOnce(panelData(true));
    await (0, react_1.act)(async () => void (0, react_1.render)((0, jsx_runtime_1.jsx)(panel_1.Panel, {})));
    await react_1.screen.findByText('Override priority');
    invoke.mockResolvedValueOnce({ ok: false, problems: ['reason: a reason of at least 3 characters is required'] });
    await (0, react_1.act)(async () => void react_1.fireEvent.submit(document.querySelector('form')));
    expect(invoke).toHaveBeenLastCalledWith('override', { to: 'P1', reason: '' });
    expect(await react_1.screen.findByText('reason: a reason of at least 3 characters is required')).toBeTruthy();
});
test('a configuration problem is shown instead of the view', async () => {
    invoke.mockResolvedValueOnce({ ok: false, problems: ['policy: unknown preset "gold"'] });
    await (0, react_1.act)(async () => void (0, react_1.render)((0, jsx_runtime_1.jsx)(panel_1.Panel, {})));
    expect(await react_1.screen.findByText('policy: unknown preset "gold"')).toBeTruthy();
});
//# sourceMappingURL=ui.test.js.map