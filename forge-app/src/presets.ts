import type { Policy } from '@sla-desk/core';
import generated from './presets.generated.json';

/** The bundled presets, validated by scripts/build.mjs. */
export const PRESETS = generated as unknown as Record<string, Policy>;
