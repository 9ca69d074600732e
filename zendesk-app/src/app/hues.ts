import type { Tone } from '@sla-desk/core';

/** Garden tag hues for the view model's tones. Met is blue; the tier badge is kale, so they never match. */
export const HUE: Record<Tone, string> = { success: 'green', warning: 'yellow', danger: 'red', neutral: 'grey', info: 'blue' };
