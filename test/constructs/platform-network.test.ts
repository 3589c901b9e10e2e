import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { PlatformNetwork } from '../../lib';

/** PlatformNetwork alone in a bare stack of another app: no Naming, no environment file. */
function network(props: ConstructorParameters<typeof PlatformNetwork>[2] = {}) {
  const stack = new Stack(new App(), 'Net');
  new PlatformNetwork(stack, 'Network', props);
  return stack;
}

test('a VPC of its own warns that nothing is reachable, with a fix another app can follow (no setting of this app named)', () => {
  const warnings = Annotations.fromStack(network()).findWarning('*', Match.stringLikeRegexp('VPC of its own'));
  expect(warnings).toHaveLength(1);
  expect(String(warnings[0].entry.data)).toMatch(/Pass `existing` \(the VPC id, CIDR, availability zones and private subnet ids\)/);
  expect(String(warnings[0].entry.data)).not.toContain('environments.yaml');
});

test("the app's fix replaces the default one", () => {
  const warnings = Annotations.fromStack(network({ minimalVpcFix: 'Set network.vpcId.' })).findWarning('*', Match.anyValue());
  expect(warnings.map((w) => String(w.entry.data))).toEqual([
    expect.stringMatching(/ServiceDown cannot fire\. Set network\.vpcId\. \[ack: trading-observability:minimalVpc\]$/),
  ]);
});

test('an existing VPC, imported by id: no VPC created and no warning', () => {
  const stack = network({
    existing: { vpcId: 'vpc-0abc1234', vpcCidr: '10.0.0.0/16', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-1234abcd'] },
  });
  Template.fromStack(stack).resourceCountIs('AWS::EC2::VPC', 0);
  expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
});
