/**
 * Jest global setup: generates, from the TypeScript source, what
 * `npm run build` generates into build/ — the precompiled config validator
 * (stacks/config-validator.js) and the prebuilt dashboards
 * (dashboards/prebuilt-dashboards.json), both gitignored — so the tests run
 * the same generated code and data the package ships.
 */
import * as path from 'path';
import * as prebuilt from '../../dashboards/prebuilt';
import { CONFIG_SCHEMA } from '../../stacks/config';

/* eslint-disable @typescript-eslint/no-require-imports */
const { writeValidatorModule } = require('../../scripts/compile-schema') as { writeValidatorModule: (schema: object, file: string) => boolean };
const { writePrebuiltDashboards } = require('../../scripts/prebuild-dashboards') as { writePrebuiltDashboards: (mod: typeof prebuilt, file: string) => boolean };
/* eslint-enable @typescript-eslint/no-require-imports */

const ROOT = path.resolve(__dirname, '..', '..');

export default function globalSetup(): void {
  writeValidatorModule(CONFIG_SCHEMA, path.join(ROOT, 'stacks', 'config-validator.js'));
  writePrebuiltDashboards(prebuilt, path.join(ROOT, 'dashboards', 'prebuilt-dashboards.json'));
}
