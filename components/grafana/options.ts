import { componentPropsSchema } from '../../lib/component';
import { resolveResources, resourceRules, Resources, ResourcesSchema } from '../../lib/resources';
import { Int, Obj, Opt, Static, Str } from '../../lib/schema';
import { Rule } from '../../lib/validation';
import { DNS1123_SUBDOMAIN_ALLOWED, DNS1123_SUBDOMAIN_PATTERN, SECRET_KEY_ALLOWED, SECRET_KEY_PATTERN } from '../../lib/values';

/** Default Secret holding the admin login. */
export const GRAFANA_DEFAULT_ADMIN_SECRET = 'grafana-admin';
export const GRAFANA_DEFAULT_ADMIN_USER_KEY = 'admin-user';
export const GRAFANA_DEFAULT_ADMIN_PASSWORD_KEY = 'admin-password';

/** Default compute resources (Grafana plus its Loki/Tempo/Prometheus plugin processes). */
export const GRAFANA_DEFAULT_RESOURCES: Resources = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '1', memory: '1Gi' },
};

/** An http(s) URL without spaces. */
export const HTTP_URL_PATTERN = '^https?://[^\\s/?#]+(/[^\\s]*)?$';

/**
 * The options of {@link Grafana}, defined once: the `grafana` section of the
 * config file is exactly these (plus `enabled`); the construct adds name,
 * namespace and the backends it provisions as data sources.
 */
export const GRAFANA_OPTIONS = Obj(
  {
    adminSecret: Opt(
      Obj(
        {
          name: Str(DNS1123_SUBDOMAIN_PATTERN, `a Secret name (${DNS1123_SUBDOMAIN_ALLOWED})`, { maxLength: 253, doc: "Name of a Secret in Grafana's namespace." }),
          userKey: Opt(Str(SECRET_KEY_PATTERN, SECRET_KEY_ALLOWED, { maxLength: 253, doc: 'Key holding the admin user name.', default: GRAFANA_DEFAULT_ADMIN_USER_KEY })),
          passwordKey: Opt(Str(SECRET_KEY_PATTERN, SECRET_KEY_ALLOWED, { maxLength: 253, doc: 'Key holding the admin password.', default: GRAFANA_DEFAULT_ADMIN_PASSWORD_KEY })),
        },
        {
          doc: 'The Secret with the admin login, read into GF_SECURITY_ADMIN_USER / GF_SECURITY_ADMIN_PASSWORD (create it yourself).',
          default: `{ name: ${GRAFANA_DEFAULT_ADMIN_SECRET} }`,
          sensitive: true,
        },
      ),
    ),
    replicas: Opt(
      Int(0, 1, {
        allowed: '0 or 1 (each pod has its own sqlite database, so more pods would not share login sessions)',
        doc: 'Pod count: 1, or 0 to stop Grafana.',
        default: '1',
      }),
    ),
    rootUrl: Opt(
      Str(HTTP_URL_PATTERN, 'an http:// or https:// URL such as "https://grafana.example.com/"', {
        maxLength: 2048,
        doc: 'The public URL users reach Grafana at (GF_SERVER_ROOT_URL), e.g. behind an ingress.',
        default: "Grafana's own (http://localhost:3000/)",
      }),
    ),
    resources: Opt(ResourcesSchema),
  },
  { doc: 'Grafana, with data sources for every enabled backend and the dashboards of every component.' },
);
export type GrafanaOptions = Static<typeof GRAFANA_OPTIONS>;

/** The props schema of {@link Grafana} without the backends it provisions. */
export const GRAFANA_PROPS = Obj({ ...componentPropsSchema(), ...GRAFANA_OPTIONS.properties });

/** The rules of {@link GrafanaOptions} the schema cannot express, under `path`. */
export function grafanaRules(o: GrafanaOptions, path: string, resources: Resources = resolveResources(GRAFANA_DEFAULT_RESOURCES, o.resources)): Rule[] {
  const admin = o.adminSecret;
  const userKey = admin?.userKey ?? GRAFANA_DEFAULT_ADMIN_USER_KEY;
  return [
    {
      field: `${path}.adminSecret.passwordKey`,
      value: admin ? admin.passwordKey ?? GRAFANA_DEFAULT_ADMIN_PASSWORD_KEY : undefined,
      ok: (v: string) => v !== userKey,
      allowed: 'a key other than userKey',
      sensitive: true,
    },
    ...resourceRules(`${path}.resources`, o.resources, resources),
  ];
}
