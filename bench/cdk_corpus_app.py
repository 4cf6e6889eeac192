"""CDK-synthesized templates for the real-template benchmark (bench/bench_corpus.py, issue 16).

Ten stacks of the constructs Lambda apps are built from, synthesized by the real aws-cdk-lib: REST
and HTTP APIs, SQS, DynamoDB stream, S3, SNS and EventBridge event sources, a Step Functions
state machine, a function URL, an alias with provisioned concurrency, and the functions the CDK
adds itself (LogRetention, the S3 notifications handler, BucketDeployment, AwsCustomResource, the
custom resource Provider framework). Settings vary by stack (runtimes, memory, timeouts), so the
rules pass on some functions and fail on others. No asset needs Docker or a bundler.

    CDK_OUTDIR=DIR python bench/cdk_corpus_app.py      (bench_corpus.py runs it with --cdk-site)
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from aws_cdk import custom_resources as cr
from constructs import Construct

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return {'ok': True}\n")
RUNTIMES = [lambda_.Runtime.PYTHON_3_13, lambda_.Runtime.PYTHON_3_12, lambda_.Runtime.NODEJS_22_X,
            lambda_.Runtime.PYTHON_3_9, lambda_.Runtime.NODEJS_18_X]


class Service(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, n: int, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        runtime = RUNTIMES[n % len(RUNTIMES)]

        def fn(name: str, **extra: object) -> lambda_.Function:
            return lambda_.Function(self, name, runtime=runtime, handler="index.handler", code=CODE,
                                    memory_size=[128, 256, 1024, 4096][n % 4],
                                    timeout=cdk.Duration.seconds([10, 30, 120, 900][n % 4]), **extra)  # type: ignore[arg-type]

        api_fn = fn("Api", architecture=lambda_.Architecture.ARM_64, tracing=lambda_.Tracing.ACTIVE,
                    log_retention=logs.RetentionDays.ONE_MONTH)
        apigw.LambdaRestApi(self, "Rest", handler=api_fn)
        http = apigwv2.HttpApi(self, "Http")
        http.add_routes(path="/items", methods=[apigwv2.HttpMethod.GET],
                        integration=integrations.HttpLambdaIntegration("Items", api_fn))

        queue = sqs.Queue(self, "Queue", visibility_timeout=cdk.Duration.seconds(60 * (1 + n % 3)))
        worker = fn("Worker", reserved_concurrent_executions=[5, 50, 200][n % 3])
        worker.add_event_source(sources.SqsEventSource(queue, batch_size=10, max_concurrency=5 + n))

        table = dynamodb.Table(self, "Table", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
                               stream=dynamodb.StreamViewType.NEW_IMAGE)
        streamer = fn("Streamer")
        streamer.add_event_source(sources.DynamoEventSource(
            table, starting_position=lambda_.StartingPosition.LATEST, batch_size=100,
            on_failure=sources.SqsDlq(sqs.Queue(self, "StreamDlq")) if n % 2 else None))

        bucket = s3.Bucket(self, "Bucket")
        uploads = fn("Uploads", environment={"BUCKET": bucket.bucket_name, "API_TOKEN": f"tok-{n}" * 3})
        bucket.add_event_notification(s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(uploads))
        s3deploy.BucketDeployment(self, "Seed", destination_bucket=bucket,
                                  sources=[s3deploy.Source.data("seed.json", '{"seed": true}')])

        topic = sns.Topic(self, "Topic")
        fn("Notify").add_event_source(sources.SnsEventSource(topic))
        events.Rule(self, "NightlyRule", schedule=events.Schedule.cron(hour="3", minute="0"),
                    targets=[targets.LambdaFunction(fn("Nightly"))])

        step = fn("Step")
        sfn.StateMachine(self, "Flow", definition_body=sfn.DefinitionBody.from_chainable(
            tasks.LambdaInvoke(self, "Invoke", lambda_function=step)))

        url_fn = fn("Public")
        url_fn.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE if n % 3 == 0 else lambda_.FunctionUrlAuthType.AWS_IAM)
        lambda_.Alias(self, "Live", alias_name="live", version=url_fn.current_version,
                      provisioned_concurrent_executions=1 + n % 2)

        on_event = fn("OnEvent")
        provider = cr.Provider(self, "Provider", on_event_handler=on_event)
        cdk.CustomResource(self, "Custom", service_token=provider.service_token)
        cr.AwsCustomResource(self, "Lookup", on_create=cr.AwsSdkCall(
            service="SSM", action="getParameter", parameters={"Name": "/app/setting"},
            physical_resource_id=cr.PhysicalResourceId.of("setting")),
            policy=cr.AwsCustomResourcePolicy.from_sdk_calls(resources=cr.AwsCustomResourcePolicy.ANY_RESOURCE))
        cdk.Tags.of(self).add("team", f"team-{n % 3}")


app = cdk.App()
for i in range(10):
    Service(app, f"Service{i}", n=i, env=cdk.Environment(account="111111111111", region="eu-west-1"))
app.synth()
