/**
 * Jest global setup: generates the precompiled config validator
 * (stacks/config-validator.js, gitignored) from the TypeScript source's
 * CONFIG_SCHEMA, as `npm run build` does for build/, so the tests validate
 * with the same generated code the package ships.
 */
import * as path from 'path';
import { CONFIG_SCHEMA } from '../../stacks/config';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { writeValidatorModule } = require('../../scripts/compile-schema') as { writeValidatorModule: (schema: object, file: string) => boolean };

export default function globalSetup(): void {
  writeValidatorModule(CONFIG_SCHEMA, path.resolve(__dirname, '..', '..', 'stacks', 'config-validator.js'));
}
