/** Simulated EC2 instances (DescribeInstances / DescribeTags). */

export type Ec2StateName = "pending" | "running" | "shutting-down" | "terminated" | "stopping" | "stopped";

/** EC2's numeric state codes (low byte of `instanceState.code`). */
export const EC2_STATE_CODES: Readonly<Record<Ec2StateName, number>> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface Ec2Tag {
  Key: string;
  Value: string;
}

export interface Ec2Instance {
  InstanceId: string;
  ReservationId: string;
  InstanceType: string;
  ImageId: string;
  State: Ec2StateName;
  LaunchTime: string;
  PrivateIpAddress: string;
  AvailabilityZone: string;
  Tags: Ec2Tag[];
}

/** The tag EC2 Auto Scaling puts on the instances of a group. */
export const ASG_TAG = "aws:autoscaling:groupName";
