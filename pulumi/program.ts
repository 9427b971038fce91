/** Entry point of `pulumi up` (Pulumi.yaml `main`); the exports become stack outputs. */
import { run } from './main';

const outputs = run();
export const grafanaService = outputs.grafanaService;
export const gatewayAddress = outputs.gatewayAddress;
export const clusters = outputs.clusters;
