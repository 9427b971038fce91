/**
 * Writes the published JSON Schema of the config file
 * (`schema/lgtm-config.schema.json`) from {@link CONFIG_SCHEMA}, the schema
 * the validator itself uses. `npm run schema` regenerates it; a test fails
 * when the committed file is stale.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CONFIG_SCHEMA } from './config';

export function schemaJson(): string {
  return `${JSON.stringify(CONFIG_SCHEMA, null, 2)}\n`;
}

if (require.main === module) {
  const file = path.resolve(__dirname, '..', '..', 'schema', 'lgtm-config.schema.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, schemaJson());
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}
