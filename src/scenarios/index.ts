/** The journeys the emulator can run, by name. */
import { type DescribeInstancesOptions, type DescribeInstancesRun, runDescribeInstances } from './describe-instances.js';

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly run: (options: DescribeInstancesOptions) => DescribeInstancesRun;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'describe-instances',
    description: "boto3's ec2.describe_instances() from a laptop behind a home router: ARP, DNS, NAT, routing, TCP, TLS 1.3, SigV4, a load balancer and the EC2 API",
    run: runDescribeInstances,
  },
];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

export { runDescribeInstances, buildDescribeInstances, EMULATED_CREDENTIALS, DNS_ZONE, TCP_CAPTURE_ENDS, UDP_CAPTURE_ENDS } from './describe-instances.js';
export type { DescribeInstancesOptions, DescribeInstancesRun } from './describe-instances.js';
export { DESCRIBE_INSTANCES_NETWORK } from './describe-instances-topology.js';
export { formatSummary, type JourneySummary } from './journey-summary.js';
