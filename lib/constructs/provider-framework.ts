import { Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { acknowledgeRoleDependsOn } from './cfn-lint';

/**
 * The cdk-nag findings on the custom-resources Provider framework's own
 * function, acknowledged beside it with their reasons: its role uses the
 * managed basic execution policy, and it may invoke any version of `onEvent`
 * (`what` names that function in the reason). And cfn-lint's W3005 on that
 * function: CDK's DependsOn on its role repeats its Role GetAtt (see
 * acknowledgeRoleDependsOn).
 */
export function acknowledgeProviderFramework(provider: cr.Provider, onEvent: lambda.Function, what: string): void {
  for (const node of provider.node.findAll()) {
    if (node instanceof lambda.Function) acknowledgeRoleDependsOn(node);
    if (node.node.id !== 'ServiceRole') continue;
    Validations.of(node).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "The custom-resources Provider framework's own function uses the AWS managed basic execution policy; it cannot be replaced.",
    });
    Validations.of(node).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(onEvent).getLogicalId(onEvent.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason: `The Provider framework may invoke any version of ${what}.`,
    });
  }
}
