/**
 * Facts about Amazon ECS on Fargate and EC2 ids that the environment schema
 * checks at synth, each with its source. Read 2026-12-07.
 */

/**
 * Task CPU units and the task memory (MiB) Fargate offers with each, up to
 * 4 vCPU (the schema's largest CPU): "256 (.25 vCPU): 512 MiB, 1 GB, 2 GB;
 * 512: 1-4 GB; 1024: 2-8 GB; 2048: between 4 GB and 16 GB in 1 GB increments;
 * 4096: between 8 GB and 30 GB in 1 GB increments". RegisterTaskDefinition
 * refuses any other pair ("Invalid 'cpu' setting for task").
 */
export const FARGATE_TASK_SIZES = {
  source:
    'Amazon ECS developer guide, "Troubleshoot Amazon ECS task definition invalid CPU or memory errors", https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html',
  memoryGiB: { 256: [0.5, 1, 2], 512: [1, 2, 3, 4], 1024: [2, 3, 4, 5, 6, 7, 8], 2048: { from: 4, to: 16 }, 4096: { from: 8, to: 30 } },
} as const;

/**
 * EC2 resource ids: the prefix, a hyphen, and 8 characters (before 2016) or 17
 * (since): "i-1a2b3c4d", "i-1234567890abcdef0". Applies to vpc- and subnet-.
 */
export const EC2_RESOURCE_ID = {
  source: 'Amazon EC2 user guide, "Resource IDs", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html',
  lengthsAfterHyphen: [8, 17],
} as const;

/**
 * AWS::ECS::Service DesiredCount may be omitted: "when creating a service, the
 * service is created and starts up with a desired count of 1; when updating a
 * service, the service is updated and starts up with the same desired count
 * as it had prior to the deployment". A template that sets it puts a scaled
 * service back to it at every deploy. The scalable target's MinCapacity then
 * raises a new service to its minimum (RegisterScalableTarget: policies keep
 * capacity within min and max; application-autoscaling.ts MIN_MAX).
 * Quoted from aws-cdk's account of CloudFormation's change (the CloudFormation
 * page itself was not read here: UNCONFIRMED beyond that account).
 */
export const DESIRED_COUNT = {
  source:
    'aws/aws-cdk#13130 "feat(ecs-patterns): remove default desiredCount to align with cfn behaviour", https://github.com/aws/aws-cdk/pull/13130; aws/containers-roadmap#493',
  onCreateWhenOmitted: 1,
  onUpdateWhenOmitted: 'unchanged',
} as const;
