// Runs the README's Pulumi program (index.ts) under Pulumi's mocks
// (pulumi.runtime.setMocks: no engine, no cluster) and prints what it
// registered as JSON for consumers/run.js to check.
import * as pulumi from '@pulumi/pulumi';

interface Registered {
  readonly type: string;
  readonly name: string;
  readonly provider?: string;
  readonly inputs: any;
}

const registered: Registered[] = [];

pulumi.runtime.setAllConfig({ 'lgtm-consumer:grafanaAdminPassword': 'consumer-test-only' }, ['lgtm-consumer:grafanaAdminPassword']);
pulumi.runtime.setMocks(
  {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: any } {
      registered.push({ type: args.type, name: args.name, provider: args.provider, inputs: args.inputs });
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call(args: pulumi.runtime.MockCallArgs) {
      return args.inputs;
    },
  },
  'lgtm-consumer',
  'dev',
  false,
);

function valueOf<T>(o: pulumi.Output<T> | undefined): Promise<T | undefined> {
  return o === undefined ? Promise.resolve(undefined) : new Promise((resolve) => o.apply((v) => resolve(v)));
}

async function main(): Promise<void> {
  const program = await import('./index.js');
  const outputs = { grafana: await valueOf(program.grafana), otlp: await valueOf(pulumi.output(program.otlp)) };
  // Every registration is an outstanding RPC; disconnect() returns once all are done.
  await pulumi.runtime.disconnect();
  process.stdout.write(`${JSON.stringify({ outputs, registered })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exitCode = 1;
});
