/**
 * The emulated EC2 inventory behind the API server: reservations of
 * instances with the fields DescribeInstances returns, in the shape the
 * JSON protocol gives boto3 (PascalCase members, timestamps as epoch
 * seconds). Launch times are set back from the virtual clock, so the same
 * run always answers the same.
 */
export interface Ec2Instance {
  readonly InstanceId: string;
  readonly ImageId: string;
  readonly InstanceType: string;
  readonly KeyName: string;
  /** Epoch seconds, as the JSON protocol writes timestamps. */
  readonly LaunchTime: number;
  readonly Monitoring: { readonly State: string };
  readonly Placement: { readonly AvailabilityZone: string; readonly GroupName: string; readonly Tenancy: string };
  readonly PrivateDnsName: string;
  readonly PrivateIpAddress: string;
  readonly State: { readonly Code: number; readonly Name: string };
  readonly SubnetId: string;
  readonly VpcId: string;
  readonly Architecture: string;
  readonly RootDeviceType: string;
  readonly SecurityGroups: ReadonlyArray<{ readonly GroupId: string; readonly GroupName: string }>;
  readonly Tags: ReadonlyArray<{ readonly Key: string; readonly Value: string }>;
}

export interface Ec2Reservation {
  readonly ReservationId: string;
  readonly OwnerId: string;
  readonly Groups: readonly unknown[];
  readonly Instances: readonly Ec2Instance[];
}

export interface DescribeInstancesInput {
  readonly InstanceIds?: readonly string[];
}

export interface DescribeInstancesOutput {
  readonly Reservations: readonly Ec2Reservation[];
}

/** A request the inventory cannot answer, with the EC2 error code for it. */
export class Ec2InputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const DAY_MS = 86_400_000;

export class Ec2Inventory {
  constructor(readonly reservations: readonly Ec2Reservation[]) {}

  describeInstances(input: DescribeInstancesInput = {}): DescribeInstancesOutput {
    const wanted = input.InstanceIds;
    if (wanted === undefined || wanted.length === 0) return { Reservations: this.reservations };
    const known = new Set(this.reservations.flatMap((r) => r.Instances.map((i) => i.InstanceId)));
    const missing = wanted.filter((id) => !known.has(id));
    if (missing.length > 0) throw new Ec2InputError('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
    const reservations: Ec2Reservation[] = [];
    for (const r of this.reservations) {
      const instances = r.Instances.filter((i) => wanted.includes(i.InstanceId));
      if (instances.length > 0) reservations.push({ ...r, Instances: instances });
    }
    return { Reservations: reservations };
  }

  get instanceCount(): number {
    return this.reservations.reduce((n, r) => n + r.Instances.length, 0);
  }
}

/** The seed's one instance: i-1234567890abcdef0, a running t3.micro at 10.0.1.50, launched `ageDays` before `now`. */
export function seedInventory(now: Date, ageDays = 12): Ec2Inventory {
  const launched = Math.floor((now.getTime() - ageDays * DAY_MS) / 1000);
  const instance: Ec2Instance = {
    InstanceId: 'i-1234567890abcdef0',
    ImageId: 'ami-0abcdef1234567890',
    InstanceType: 't3.micro',
    KeyName: 'my-key-pair',
    LaunchTime: launched,
    Monitoring: { State: 'disabled' },
    Placement: { AvailabilityZone: 'us-east-1a', GroupName: '', Tenancy: 'default' },
    PrivateDnsName: 'ip-10-0-1-50.ec2.internal',
    PrivateIpAddress: '10.0.1.50',
    State: { Code: 16, Name: 'running' },
    SubnetId: 'subnet-0a1b2c3d4e5f60718',
    VpcId: 'vpc-0123456789abcdef0',
    Architecture: 'x86_64',
    RootDeviceType: 'ebs',
    SecurityGroups: [{ GroupId: 'sg-0123456789abcdef0', GroupName: 'web-servers' }],
    Tags: [{ Key: 'Name', Value: 'web-1' }],
  };
  return new Ec2Inventory([{ ReservationId: 'r-0a1b2c3d4e5f67890', OwnerId: '123456789012', Groups: [], Instances: [instance] }]);
}
