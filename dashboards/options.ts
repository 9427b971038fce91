/**
 * Options every dashboard builder shares, and their validation. Kept apart from
 * `panels.ts` so that the public declarations never import the Grafana
 * Foundation SDK (whose subpath exports do not resolve under
 * `moduleResolution: node`): only the builders' implementation uses it.
 */
import { validate } from '../lib/validation';
import { DatasourceRef } from './types';

/** Grafana's uid rule (`util.MaxUIDLength` = 40, characters a-zA-Z0-9_-). */
export const DASHBOARD_UID = /^[a-zA-Z0-9_-]{1,40}$/;
/** Default folder for the stack's dashboards. */
export const DEFAULT_FOLDER = 'LGTM';
/** Folder rule of the Grafana component (a directory name and a folder title). */
const FOLDER = /^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,61}[A-Za-z0-9._-])?$/;

/** Fixed uids of the provisioned data sources (components/grafana/datasources.ts). */
export const DEFAULT_PROMETHEUS_UID = 'prometheus';
export const DEFAULT_TEMPO_UID = 'tempo';

/** Common options of every dashboard builder. */
export interface DashboardOptions {
  /** Uid of the Prometheus data source. @default 'prometheus' */
  readonly datasourceUid?: string;
  /** Grafana folder. @default 'LGTM' */
  readonly folder?: string;
}

/** The resolved data source and folder; validates both (errors name the field, the value and what is allowed). */
export function resolveDashboardOptions(fn: string, o: DashboardOptions): { ds: DatasourceRef; folder: string } {
  const uid = o.datasourceUid ?? DEFAULT_PROMETHEUS_UID;
  const folder = o.folder ?? DEFAULT_FOLDER;
  validate(`dashboards.${fn}`, [
    { field: `${fn}.datasourceUid`, value: uid, ok: (v: string) => DASHBOARD_UID.test(v), allowed: 'a Grafana data source uid: 1-40 characters from a-z, A-Z, 0-9, "-" and "_"' },
    { field: `${fn}.folder`, value: folder, ok: (v: string) => FOLDER.test(v), allowed: 'a folder name of 1-63 characters from letters, digits, " ", ".", "_" and "-", starting with a letter or digit' },
  ]);
  return { ds: { type: 'prometheus', uid }, folder };
}
