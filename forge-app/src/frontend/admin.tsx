import { useEffect, useState } from 'react';
import ForgeReconciler, { Button, CodeBlock, FilePicker, Form, Heading, Label, SectionMessage, Select, Stack, Text, TextArea, Textfield } from '@forge/react';
import { fileText } from './upload';
import { call, valueOf } from './call';
import type { Config } from '../config';
import type { Progress } from '../recalculate';
import type { RecalculationAfterSave } from '../resolvers';
import { screenSteps } from './screen-steps';
import { agentFields } from '../screens';
import { queueJql } from '../sla';
import type { PromiseTable as Promises } from '@sla-desk/core';
import { PromiseTable } from './PromiseTable';

/** The admin page: the policy (a preset, or a pasted policy checked like `sla check`) and the field mapping. */
export function Admin() {
  const [config, setConfig] = useState<Config | null>(null);
  const [presets, setPresets] = useState<{ id: string; name: string }[]>([]);
  const [doc, setDoc] = useState('');
  const [problems, setProblems] = useState<string[]>([]);
  // The lines of the box's policy that the problems are about, and the text they were found in.
  const [checked, setChecked] = useState<{ text: string; lines: number[] } | null>(null);
  const [saved, setSaved] = useState(false);
  const [warnings, setWarnings] = useState<string[]>([]);
  const [recalc, setRecalc] = useState<Progress | null>(null);
  const [denied, setDenied] = useState<string[] | null>(null);
  // What the last save did about the open issues (null: it changed nothing evaluations read).
  const [afterSave, setAfterSave] = useState<RecalculationAfterSave | undefined>(undefined);
  // Set once "Create the fields" answered: the fields then need a place on the projects' screens.
  const [fieldsMade, setFieldsMade] = useState(false);
  // What each tier promises under the saved policy (null: it does not check).
  const [promises, setPromises] = useState<Promises | null>(null);
  // While a recalculation runs, its progress is read every few seconds.
  useEffect(() => {
    if (recalc?.state !== 'running') return;
    const id = setInterval(() => void call<Progress | null>('recalculationProgress').then(setRecalc), 3000);
    return () => clearInterval(id);
  }, [recalc?.state]);
  useEffect(() => {
    void call<{ config?: Config; presets?: { id: string; name: string }[]; problems: string[]; warnings?: string[]; promises?: Promises | null }>('getConfig').then((r) => {
      // The server refuses anyone without Administer Jira: say so instead of an empty form.
      if (!r.config || !r.presets) return setDenied(r.problems);
      setConfig(r.config);
      setPresets(r.presets);
      setProblems(r.problems);
      // What the saved policy's ladders cannot do on Jira, said before anyone saves again.
      setWarnings(r.warnings ?? []);
      setPromises(r.promises ?? null);
      if ('document' in r.config.policy) setDoc(r.config.policy.document);
    });
  }, []);
  if (denied) {
    return (
      <SectionMessage appearance="error" title="SLA Desk settings">
        {denied.map((p) => (
          <Text key={p}>{p}</Text>
        ))}
      </SectionMessage>
    );
  }
  if (!config) return <Text>Loading…</Text>;
  const set = (patch: Partial<Config>) => setConfig({ ...config, ...patch });
  const map = (key: 'impact' | 'urgency' | 'tier' | 'organizations' | 'organizationTierKey' | 'group') => (e: { target?: { value?: unknown } }) => set({ map: { ...config.map, [key]: valueOf(e) || undefined } });
  return (
    <Form
      onSubmit={async () => {
        const next = doc.trim() ? { ...config, policy: { document: doc } } : config;
        const r = await call<{ ok: boolean; problems?: string[]; lines?: number[]; warnings?: string[]; promises?: Promises | null; recalculation?: RecalculationAfterSave }>('setConfig', { config: next });
        if (r.ok) setPromises(r.promises ?? null);
        setChecked(!r.ok && 'document' in next.policy ? { text: next.policy.document, lines: r.lines ?? [] } : null);
        setProblems(r.problems ?? []);
        setWarnings(r.warnings ?? []);
        setSaved(r.ok);
        setAfterSave(r.ok ? r.recalculation : undefined);
        if (r.recalculation?.started) setRecalc(r.recalculation.progress);
      }}
    >
      <Stack space="space.200">
        <Heading as="h2">SLA Desk</Heading>
        {problems.length > 0 && (
          <SectionMessage appearance="error" title="The policy does not check; nothing was saved">
            {problems.map((p) => (
              <Text key={p}>{p}</Text>
            ))}
          </SectionMessage>
        )}
        {saved && <SectionMessage appearance="success">{savedText(afterSave)}</SectionMessage>}
        {saved && afterSave && !afterSave.started && (
          <SectionMessage appearance="warning">
            <Text>{afterSave.problem}</Text>
          </SectionMessage>
        )}
        {warnings.length > 0 && (
          <SectionMessage appearance="warning" title={saved ? 'Saved, with warnings' : 'Warnings'}>
            {warnings.map((w) => (
              <Text key={w}>{w}</Text>
            ))}
          </SectionMessage>
        )}
        <Label labelFor="preset">Policy preset</Label>
        {/* Names a preset only while no policy of the admin's own is in the box below, which Save would save instead. */}
        <Select
          id="preset"
          options={presets.map((p) => ({ label: p.name, value: p.id }))}
          value={presetShown(presets, config, doc)}
          onChange={(o: { value: string }) => {
            // A preset picked replaces the policy in the box: otherwise Save would save the box.
            set({ policy: { preset: o.value } });
            setDoc('');
          }}
        />
        <Label labelFor="doc">Or paste a policy (YAML or JSON)</Label>
        <TextArea id="doc" value={doc} onChange={(e) => setDoc(valueOf(e))} />
        {checked && checked.text === doc && (
          <>
            {/* UI Kit's TextArea numbers no lines: the policy that did not check, numbered, its problems' lines marked. */}
            <Text>{checked.lines.length ? `The policy as saved, numbered; ${checked.lines.length === 1 ? 'line' : 'lines'} ${checked.lines.join(', ')} ${checked.lines.length === 1 ? 'has a problem' : 'have problems'}:` : 'The policy as saved, numbered:'}</Text>
            <CodeBlock text={checked.text} language="yaml" showLineNumbers highlight={checked.lines.join(',')} highlightedStartText="Problem on this line" highlightedEndText="End of the problem's line" />
          </>
        )}
        <FilePicker
          label="Or upload a policy file"
          description="YAML or JSON; it is checked when you save"
          onChange={(files: { data: string; name: string }[]) => {
            if (files[0]) setDoc(fileText(files[0]));
          }}
        />
        {promises && (
          <>
            <Heading as="h3">What each tier promises</Heading>
            <PromiseTable promises={promises} />
          </>
        )}
        <Label labelFor="impact">Impact field id</Label>
        <Textfield id="impact" value={config.map.impact ?? ''} onChange={map('impact')} />
        <Label labelFor="urgency">Urgency field id</Label>
        <Textfield id="urgency" value={config.map.urgency ?? ''} onChange={map('urgency')} />
        <Label labelFor="tierSource">Where the Tier comes from</Label>
        <Select
          id="tierSource"
          options={[
            { label: 'A Tier field on the issue', value: 'field' },
            { label: "A property of the customer's JSM organization", value: 'organization' },
          ]}
          onChange={(o: { value: string }) => set({ map: { ...config.map, tierSource: o.value === 'organization' ? 'organization' : 'field' } })}
        />
        {config.map.tierSource === 'organization' ? (
          <>
            <Label labelFor="organizations">Organizations field id</Label>
            <Textfield id="organizations" value={config.map.organizations ?? ''} onChange={map('organizations')} />
            <Label labelFor="organizationTierKey">Organization property holding the tier</Label>
            <Textfield id="organizationTierKey" value={config.map.organizationTierKey ?? 'sla-tier'} onChange={map('organizationTierKey')} />
          </>
        ) : (
          <>
            <Label labelFor="tier">Tier field id</Label>
            <Textfield id="tier" value={config.map.tier ?? ''} onChange={map('tier')} />
          </>
        )}
        {/* What the policy's group_ownership Metrics count: the team or group that owns the issue. */}
        <Label labelFor="group">Group field id (a group picker, team or select field), or "components" for the issue's first component</Label>
        <Textfield id="group" value={config.map.group ?? ''} onChange={map('group')} />
        <Label labelFor="pause">Statuses that pause the clock (comma-separated)</Label>
        <Textfield id="pause" value={(config.map.pauseStatuses ?? []).join(', ')} onChange={(e) => set({ map: { ...config.map, pauseStatuses: list(valueOf(e)) } })} />
        <Button
          onClick={async () => {
            const r = await call<{ ok: boolean; map?: Config['map']; problems?: string[] }>('createFields');
            if (r.ok && r.map) set({ map: r.map });
            setFieldsMade(r.ok);
            setProblems(r.problems ?? []);
          }}
        >
          Create the Impact, Urgency and Tier fields
        </Button>
        {fieldsMade && (
          <SectionMessage appearance="information" title="Now put the fields on your projects' screens">
            <Text>Jira refuses a value for a field that is not on the issue's screen, and shows a field only once it is on one. The fields just made, and SLA Desk's own, are on none yet:</Text>
            {screenSteps(agentFields(config.map, true)).map((step, i) => (
              <Text key={step}>{`${i + 1}. ${step}`}</Text>
            ))}
          </SectionMessage>
        )}
        {/* The queue: a JQL to save as a filter (the admin saves it as themselves, so it is theirs
            to share, and the app needs no filter scope), for a board, a dashboard or a JSM queue. */}
        <Heading as="h3">A queue by next breach</Heading>
        <Text>Issues with an SLA clock running, the soonest breach first; breached issues lead. In Jira, open Filters, paste this query, run it, then Save filter and share it with your team. A board or a service-project queue takes the same query.</Text>
        <Label labelFor="queueJql">Saved filter query (JQL)</Label>
        <Textfield id="queueJql" value={queueJql()} isReadOnly onChange={() => undefined} />
        <Label labelFor="leads">Triage-lead groups (comma-separated)</Label>
        <Textfield id="leads" value={config.leadGroups.join(', ')} onChange={(e) => set({ leadGroups: list(valueOf(e)) })} />
        <Label labelFor="roles">Or triage-lead project roles (comma-separated)</Label>
        <Textfield id="roles" value={(config.leadRoles ?? []).join(', ')} onChange={(e) => set({ leadRoles: list(valueOf(e)) })} />
        <Button type="submit" appearance="primary">
          Save
        </Button>
        <Button
          onClick={async () => {
            const r = await call<{ ok: boolean; progress: Progress }>('recalculate');
            setRecalc(r.progress);
          }}
        >
          Recalculate open issues
        </Button>
        {recalc && (
          <Text>
            Recalculation {recalc.state}: {recalc.issues} issues in {recalc.pages} page{recalc.pages === 1 ? '' : 's'}, {recalc.written} updated, {recalc.retries} page {recalc.retries === 1 ? 'retry' : 'retries'}
          </Text>
        )}
      </Stack>
    </Form>
  );
}

const EDITED = { label: 'edited (the policy below)', value: '' };

/** The preset box's option: the active preset, or "edited" once the box below holds a policy. */
function presetShown(presets: { id: string; name: string }[], config: Config, doc: string): { label: string; value: string } | undefined {
  if (doc.trim()) return EDITED;
  const id = 'preset' in config.policy ? config.policy.preset : null;
  const p = presets.find((x) => x.id === id);
  return p && { label: p.name, value: p.id };
}

/** The "Saved." line: whether the open issues are being recalculated, and why. */
function savedText(r: RecalculationAfterSave | undefined): string {
  if (r === undefined) return 'Saved.';
  if (r === null) return 'Saved. Nothing the SLAs depend on changed, so the open issues keep their SLA fields.';
  const what = r.because.map((p) => CHANGED[p]).join(' and ');
  return r.started ? `Saved. ${cap(what)} changed, so SLA Desk is recalculating the open issues (progress below).` : `Saved. ${cap(what)} changed.`;
}

const CHANGED: Record<string, string> = { policy: 'the policy', map: 'the field mapping', fields: "the app's field ids" };
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const list = (text: string) =>
  text
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);

ForgeReconciler.render(<Admin />);
