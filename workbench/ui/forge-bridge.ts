/**
 * The workbench's stand-in for @forge/bridge: `invoke` posts to the workbench's Forge runtime, which
 * runs the app's own resolver. The issue (or a project page's project) and the caller come from the frame's address, as Jira's
 * product context would give them.
 */
export async function invoke(functionKey: string, payload?: unknown): Promise<unknown> {
  const q = new URLSearchParams(window.location.search);
  const res = await fetch('/api/jira/invoke', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ functionKey, payload: payload ?? {}, issueKey: q.get('issue'), accountId: q.get('user'), projectKey: q.get('project') }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `resolver ${functionKey} failed (${res.status})`);
  return body;
}
