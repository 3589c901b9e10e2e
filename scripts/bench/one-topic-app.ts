// The baseline for `npm run bench`: the smallest CDK app, run the same way as bin/app.ts.
import { App, Stack } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';

const app = new App();
new sns.Topic(new Stack(app, 'OneTopic'), 'Topic');
app.synth();
