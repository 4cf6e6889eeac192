// The TypeScript/JavaScript twin of sample/cdk/app.py: the same two stacks, with govhook-cdk.
//   node app.js        (or `cdk synth` with cdk.json's "app": "node app.js")
// Context: govhook:policy, govhook:expires (the memory request's expiry), only=compliant.
'use strict';
const path = require('path');
const cdk = require('aws-cdk-lib');
const lambda = require('aws-cdk-lib/aws-lambda');
const logs = require('aws-cdk-lib/aws-logs');
const { GovhookPlugin } = require('govhook-cdk');

const app = new cdk.App();
const policy = app.node.tryGetContext('govhook:policy') || path.join(__dirname, '..', '..', 'policies', 'default.policy.yaml');
cdk.Validations.of(app).addPlugins(new GovhookPlugin({ policy }));
const env = { account: '111111111111', region: 'eu-west-1' };

const api = new cdk.Stack(app, 'OrdersApi', { stackName: 'orders-api', env });
const logGroup = new logs.LogGroup(api, 'HandlerLogs', { retention: logs.RetentionDays.ONE_MONTH });
new lambda.Function(api, 'Handler', {
  runtime: lambda.Runtime.PYTHON_3_13, architecture: lambda.Architecture.ARM_64, handler: 'index.handler',
  code: lambda.Code.fromInline("def handler(event, context):\n    return {'ok': True}\n"), memorySize: 256,
  timeout: cdk.Duration.seconds(10), tracing: lambda.Tracing.ACTIVE, logGroup, loggingFormat: lambda.LoggingFormat.JSON,
});
cdk.Tags.of(api).add('team', 'orders');

if (app.node.tryGetContext('only') !== 'compliant') {
  const expires = app.node.tryGetContext('govhook:expires') ||
    new Date(Date.now() + 90 * 86400e3).toISOString().slice(0, 10);
  const legacy = new cdk.Stack(app, 'OrdersLegacy', { stackName: 'orders-legacy', env });
  const fn = new lambda.Function(legacy, 'Handler', {
    runtime: lambda.Runtime.NODEJS_18_X, architecture: lambda.Architecture.ARM_64, handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ok: true});'), memorySize: 4096,
    timeout: cdk.Duration.seconds(10), tracing: lambda.Tracing.ACTIVE, logRetention: logs.RetentionDays.ONE_WEEK,
  });
  cdk.Tags.of(legacy).add('team', 'orders');
  // Accepted (the policy allows requests for the memory bound); refused (runtime-allowed accepts none).
  cdk.Validations.of(fn).acknowledge(
    { id: 'govhook::lambda.memory-within-bounds', reason: `PDF rendering peaks at 3.5 GB, measured in PLAT-12 (expires ${expires})` },
    { id: 'govhook::lambda.runtime-allowed', reason: `the vendor SDK needs node 18, PLAT-13 (expires ${expires})` },
  );
}
app.synth();
