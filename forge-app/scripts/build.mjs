// Writes src/presets.generated.json from core/presets: Forge functions cannot read YAML from disk
// at run time, so the validated presets travel with the bundle.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const app = join(dirname(fileURLToPath(import.meta.url)), '..');
const { parsePolicy } = require('@sla-desk/core');
const { PRESET_DIR } = require('@sla-desk/core/dist/presets');
const presets = {};
for (const file of readdirSync(PRESET_DIR).filter((f) => f.endsWith('.yaml')).sort()) {
  const { policy, problems } = parsePolicy(readFileSync(join(PRESET_DIR, file), 'utf8'));
  if (!policy) throw new Error(`${file}: ${problems.map((p) => p.message).join('; ')}`);
  presets[policy.id] = policy;
}
writeFileSync(join(app, 'src', 'presets.generated.json'), JSON.stringify(presets));
