import { invoke } from '@forge/bridge';

/** A resolver call with the answer typed as the resolver returns it. */
export function call<T>(functionKey: string, payload?: Record<string, unknown>): Promise<T> {
  return invoke(functionKey, payload) as unknown as Promise<T>;
}

/** The text of a UI Kit change event (events cross the bridge as plain data). */
export function valueOf(e: { target?: { value?: unknown } }): string {
  return typeof e.target?.value === 'string' ? e.target.value : '';
}
