"""Template assertions on the synthesized stack, one concern per section.

The app is synthesized once per session (``conftest.synthesized``); that synth
also runs cdk-nag, so reaching these tests means no finding was left
unacknowledged.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match, Template

from infra.pipeline import PIPELINE_EXECUTION_STATUS_CHANGE
from infra.promotion import MODEL_PACKAGE_STATE_CHANGE
from infra.serving import API_HANDLER
from lambdas.api import metrics as api_metrics
from monitoring.drift import MAX_FEATURE_DRIFT_METRIC

GROUP = "airline-passenger-satisfaction"


def resources_of(template_json: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return {
        logical_id: resource
        for logical_id, resource in template_json["Resources"].items()
        if resource["Type"] == resource_type
    }


def logical_id_of(
    template_json: dict[str, Any], resource_type: str, prefix: str
) -> str:
    matches = [
        logical_id
        for logical_id in resources_of(template_json, resource_type)
        if logical_id.startswith(prefix)
    ]
    assert len(matches) == 1, (
        f"expected one {resource_type} named {prefix}*, got {matches}"
    )
    return matches[0]


def statements_of_role(template_json: dict[str, Any], role_prefix: str) -> list[dict]:
    role_id = logical_id_of(template_json, "AWS::IAM::Role", role_prefix)
    statements: list[dict] = []
    for policy in resources_of(template_json, "AWS::IAM::Policy").values():
        roles = policy["Properties"]["Roles"]
        if {"Ref": role_id} in roles:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def actions_of(statements: list[dict]) -> set[str]:
    return {
        action for statement in statements for action in as_list(statement["Action"])
    }


def pipeline_definition(template_json: dict[str, Any]) -> str:
    """Return the pipeline definition with CloudFormation references as <LogicalId>."""
    (pipeline,) = resources_of(template_json, "AWS::SageMaker::Pipeline").values()
    body = pipeline["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"]
    if isinstance(body, str):
        return body
    separator, parts = body["Fn::Join"]
    rendered = []
    for part in parts:
        if isinstance(part, str):
            rendered.append(part)
        elif "Ref" in part:
            rendered.append(f"<{part['Ref']}>")
        else:
            rendered.append(f"<{'.'.join(part['Fn::GetAtt'])}>")
    return separator.join(rendered)


# Storage


def test_four_buckets(template: Template) -> None:
    template.resource_count_is("AWS::S3::Bucket", 4)


def test_buckets_encrypted_versioned_private(template_json: dict) -> None:
    for logical_id, bucket in resources_of(template_json, "AWS::S3::Bucket").items():
        properties = bucket["Properties"]
        encryption = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert (
            encryption[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        ), logical_id
        assert properties["VersioningConfiguration"] == {"Status": "Enabled"}, (
            logical_id
        )
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, logical_id
        assert properties["LifecycleConfiguration"]["Rules"], logical_id
        assert bucket["DeletionPolicy"] == "Retain", logical_id
        assert bucket["UpdateReplacePolicy"] == "Retain", logical_id


def test_data_buckets_log_access(template_json: dict) -> None:
    log_bucket = logical_id_of(
        template_json, "AWS::S3::Bucket", "StorageAccessLogsBucket"
    )
    for prefix in (
        "StorageRawDataBucket",
        "StorageArtifactsBucket",
        "StorageCaptureBucket",
    ):
        logical_id = logical_id_of(template_json, "AWS::S3::Bucket", prefix)
        logging = template_json["Resources"][logical_id]["Properties"][
            "LoggingConfiguration"
        ]
        assert logging["DestinationBucketName"] == {"Ref": log_bucket}


def test_buckets_reject_plain_http(template_json: dict) -> None:
    policies = resources_of(template_json, "AWS::S3::BucketPolicy")
    assert len(policies) == 4
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        denies = [
            statement
            for statement in statements
            if statement["Effect"] == "Deny"
            and statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        ]
        assert denies


def test_raw_bucket_sends_eventbridge_events(template: Template) -> None:
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "NotificationConfiguration": {
                "EventBridgeConfiguration": {"EventBridgeEnabled": True}
            }
        },
    )


# Pipeline


def test_model_package_group_retained(template: Template) -> None:
    template.has_resource(
        "AWS::SageMaker::ModelPackageGroup",
        {
            "Properties": Match.object_like({"ModelPackageGroupName": GROUP}),
            "DeletionPolicy": "Retain",
        },
    )


def test_pipeline_name_and_role(template_json: dict) -> None:
    (pipeline,) = resources_of(template_json, "AWS::SageMaker::Pipeline").values()
    role_id = logical_id_of(
        template_json, "AWS::IAM::Role", "TrainingPipelineExecutionRole"
    )

    assert pipeline["Properties"]["PipelineName"] == "satisfaction-prod-training"
    assert pipeline["Properties"]["RoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}


def test_pipeline_definition_steps(template_json: dict) -> None:
    definition = pipeline_definition(template_json)
    raw_bucket = logical_id_of(template_json, "AWS::S3::Bucket", "StorageRawDataBucket")
    document = json.loads(definition.replace(f"<{raw_bucket}>", "raw-bucket"))
    step_names = {step["Name"] for step in document["Steps"]}
    parameters = {item["Name"]: item for item in document["Parameters"]}

    assert {"Process", "Train", "Evaluate", "QualityGate"} <= step_names
    assert parameters["InputDataUri"]["DefaultValue"] == "s3://raw-bucket/raw/"


def test_pipeline_uses_source_asset(template_json: dict, stack) -> None:
    definition = pipeline_definition(template_json)
    key = stack.pipeline.source_asset.asset_hash

    assert key in definition
    assert "sagemaker_submit_directory" in definition


def test_pipeline_logs_to_mlflow(template_json: dict) -> None:
    definition = pipeline_definition(template_json)
    server_id = logical_id_of(
        template_json,
        "AWS::SageMaker::MlflowTrackingServer",
        "ExperimentsTrackingServer",
    )

    assert f"<{server_id}.TrackingServerArn>" in definition


def test_pipeline_role_least_privilege(template_json: dict) -> None:
    statements = statements_of_role(template_json, "TrainingPipelineExecutionRole")
    actions = actions_of(statements)
    pass_role = [s for s in statements if s["Action"] == "iam:PassRole"]

    assert "sagemaker:CreateProcessingJob" in actions
    assert "sagemaker:CreateTrainingJob" in actions
    assert "sagemaker:CreateModelPackage" in actions
    assert not [
        action for action in actions if action.endswith(":*") and "mlflow" not in action
    ]
    assert pass_role[0]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
    }


def test_raw_data_rule_starts_pipeline(template_json: dict) -> None:
    rule_id = logical_id_of(
        template_json, "AWS::Events::Rule", "TrainingPipelineRawDataRule"
    )
    rule = template_json["Resources"][rule_id]["Properties"]
    pattern = rule["EventPattern"]
    (target,) = rule["Targets"]

    assert pattern["source"] == ["aws.s3"]
    assert pattern["detail-type"] == ["Object Created"]
    assert pattern["detail"]["object"]["key"] == [
        {"wildcard": "raw/*.csv"},
        {"wildcard": "raw/*.csv.gz"},
    ]
    assert target["Arn"].endswith(":pipeline/satisfaction-prod-training")
    assert target["SageMakerPipelineParameters"]["PipelineParameterList"][0][
        "Name"
    ] == ("InputDataUri")


def test_pipeline_role_pulls_job_images(template_json: dict) -> None:
    statements = statements_of_role(template_json, "TrainingPipelineExecutionRole")
    (pull,) = [s for s in statements if s.get("Sid") == "PullJobImages"]
    repositories = as_list(pull["Resource"])

    assert repositories
    for repository in repositories:
        assert repository.startswith("arn:aws:ecr:eu-west-1:"), repository
        assert ":repository/sagemaker-" in repository, repository


def test_trigger_role_starts_only_pipeline(template_json: dict) -> None:
    (statement,) = statements_of_role(template_json, "TrainingPipelineTriggerRole")

    assert statement["Action"] == "sagemaker:StartPipelineExecution"
    assert statement["Resource"].endswith(":pipeline/satisfaction-prod-training")


def test_failed_execution_alerts_topic(template_json: dict) -> None:
    rule_id = logical_id_of(
        template_json, "AWS::Events::Rule", "TrainingPipelineFailedExecutionRule"
    )
    rule = template_json["Resources"][rule_id]["Properties"]
    topic_id = logical_id_of(template_json, "AWS::SNS::Topic", "AlarmTopic")

    assert rule["EventPattern"]["detail-type"] == [PIPELINE_EXECUTION_STATUS_CHANGE]
    assert rule["EventPattern"]["detail"]["currentPipelineExecutionStatus"] == [
        "Failed"
    ]
    assert rule["Targets"][0]["Arn"] == {"Ref": topic_id}


# Experiments


def test_mlflow_tracking_server(template: Template, template_json: dict) -> None:
    template.has_resource_properties(
        "AWS::SageMaker::MlflowTrackingServer",
        {
            "TrackingServerName": "satisfaction-prod-mlflow",
            "TrackingServerSize": "Small",
            "AutomaticModelRegistration": False,
            "ArtifactStoreUri": {
                "Fn::Join": ["", ["s3://", Match.any_value(), "/mlflow"]]
            },
        },
    )
    statements = statements_of_role(template_json, "ExperimentsTrackingServerRole")
    assert actions_of(statements) <= {
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:AbortMultipartUpload",
        "s3:ListBucket",
        "s3:GetBucketLocation",
    }


# Promotion


def test_approval_rule_invokes_deployer(template_json: dict) -> None:
    rule_id = logical_id_of(template_json, "AWS::Events::Rule", "PromotionApprovalRule")
    rule = template_json["Resources"][rule_id]["Properties"]
    deployer_id = logical_id_of(
        template_json, "AWS::Lambda::Function", "PromotionDeployer"
    )

    assert rule["EventPattern"] == {
        "source": ["aws.sagemaker"],
        "detail-type": [MODEL_PACKAGE_STATE_CHANGE],
        "detail": {
            "ModelPackageGroupName": ["airline-passenger-satisfaction"],
            "ModelApprovalStatus": ["Approved", "Rejected"],
        },
    }
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": [deployer_id, "Arn"]}


def test_deployer_environment(template_json: dict) -> None:
    deployer_id = logical_id_of(
        template_json, "AWS::Lambda::Function", "PromotionDeployer"
    )
    api_id = logical_id_of(
        template_json, "AWS::Lambda::Function", "PredictionApiFunction"
    )
    parameter_id = logical_id_of(template_json, "AWS::SSM::Parameter", "Promotion")
    function = template_json["Resources"][deployer_id]["Properties"]
    variables = function["Environment"]["Variables"]

    assert function["Handler"] == "lambdas.deployer.handler.handler"
    assert variables["API_FUNCTION_NAME"] == {"Ref": api_id}
    assert variables["SERVING_PARAMETER_NAME"] == {"Ref": parameter_id}
    assert variables["MODEL_PACKAGE_GROUP"] == "airline-passenger-satisfaction"
    assert function["ReservedConcurrentExecutions"] == 1


def test_deployer_role_scoped(template_json: dict) -> None:
    statements = statements_of_role(template_json, "PromotionDeployerRole")
    api_id = logical_id_of(
        template_json, "AWS::Lambda::Function", "PredictionApiFunction"
    )
    by_sid = {statement.get("Sid"): statement for statement in statements}

    assert by_sid["UpdateApiFunction"]["Resource"] == {"Fn::GetAtt": [api_id, "Arn"]}
    assert set(by_sid["UpdateApiFunction"]["Action"]) == {
        "lambda:GetFunctionConfiguration",
        "lambda:UpdateFunctionConfiguration",
    }
    assert set(by_sid["RecordServingModel"]["Action"]) == {
        "ssm:GetParameter",
        "ssm:PutParameter",
    }
    assert "Fn::Join" in by_sid["RecordServingModel"]["Resource"]
    assert set(by_sid["DescribeModelPackages"]["Action"]) == {
        "sagemaker:DescribeModelPackage",
        "sagemaker:DescribeModelPackageGroup",
    }


# Serving


def test_api_function_runtime(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": API_HANDLER,
            "Runtime": "python3.12",
            "Architectures": ["arm64"],
            "MemorySize": 1024,
            "Timeout": 15,
            "TracingConfig": {"Mode": "Active"},
            "LoggingConfig": Match.object_like({"LogFormat": "JSON"}),
            "Environment": {
                "Variables": {
                    "SATISFACTION_REGISTRY_BACKEND": "sagemaker",
                    "SATISFACTION_MODEL_PACKAGE_GROUP": GROUP,
                    "SATISFACTION_API_STAGE": "prod",
                    "SATISFACTION_LOG_FORMAT": "json",
                }
            },
        },
    )


def test_functions_share_code_asset(template_json: dict) -> None:
    codes = [
        function["Properties"]["Code"]
        for function in resources_of(template_json, "AWS::Lambda::Function").values()
    ]

    assert len(codes) == 2
    assert codes[0] == codes[1]


def test_api_role_reads_models_only(template_json: dict) -> None:
    statements = statements_of_role(template_json, "PredictionApiFunctionRole")
    object_statements = [s for s in statements if s["Action"] == "s3:GetObject"]

    assert not actions_of(statements) & {"s3:PutObject", "s3:DeleteObject"}
    assert len(object_statements) == 1
    assert object_statements[0]["Resource"]["Fn::Join"][1][1] == (
        "/satisfaction-prod-training/models/*"
    )


def test_every_method_requires_iam(template_json: dict) -> None:
    methods = resources_of(template_json, "AWS::ApiGateway::Method")

    assert methods
    for method in methods.values():
        assert method["Properties"]["AuthorizationType"] == "AWS_IAM"


def test_stage_throttling_tracing_logs(template_json: dict) -> None:
    (stage,) = resources_of(template_json, "AWS::ApiGateway::Stage").values()
    properties = stage["Properties"]
    (settings,) = properties["MethodSettings"]
    access_log_format = json.loads(properties["AccessLogSetting"]["Format"])

    assert properties["StageName"] == "prod"
    assert properties["TracingEnabled"] is True
    assert settings["ThrottlingRateLimit"] == 50
    assert settings["ThrottlingBurstLimit"] == 100
    assert settings["LoggingLevel"] == "ERROR"
    assert settings["DataTraceEnabled"] is False
    assert {"requestId", "status", "caller"} <= set(access_log_format)


def test_api_gateway_logging_role_is_inline(template_json: dict) -> None:
    (account,) = resources_of(template_json, "AWS::ApiGateway::Account").values()
    role_id = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]

    assert "ManagedPolicyArns" not in template_json["Resources"][role_id]["Properties"]


def test_outputs(template_json: dict) -> None:
    outputs = template_json["Outputs"]

    for name in (
        "ApiUrl",
        "RawDataBucketName",
        "ArtifactsBucketName",
        "PipelineName",
        "ModelPackageGroupName",
        "ServingModelParameterName",
        "AlarmTopicArn",
        "MlflowTrackingServerArn",
    ):
        assert name in outputs, name


# Monitoring


def test_alarm_topic_encrypted_with_email(
    template: Template, template_json: dict
) -> None:
    key_id = logical_id_of(template_json, "AWS::KMS::Key", "AlarmTopicKey")

    template.has_resource_properties(
        "AWS::SNS::Topic", {"KmsMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]}}
    )
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    template.has_resource_properties(
        "AWS::SNS::Subscription",
        {"Protocol": "email", "Endpoint": "ml-oncall@example.com"},
    )
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_alarms_and_thresholds(template_json: dict) -> None:
    alarms = {
        alarm["Properties"]["AlarmName"]: alarm["Properties"]
        for alarm in resources_of(template_json, "AWS::CloudWatch::Alarm").values()
    }
    topic_id = logical_id_of(template_json, "AWS::SNS::Topic", "AlarmTopic")
    expected = {
        "satisfaction-prod-Api5xx": 5,
        "satisfaction-prod-ApiLatencyP99": 1000,
        "satisfaction-prod-LambdaErrors": 5,
        "satisfaction-prod-LambdaThrottles": 1,
        "satisfaction-prod-DurationNearTimeout": 12000,
        "satisfaction-prod-ColdStartInitDuration": 3000,
        "satisfaction-prod-ModelUnavailable": 1,
        "satisfaction-prod-DeployerErrors": 1,
        "satisfaction-prod-FeatureDrift": 0.2,
    }

    assert set(alarms) == set(expected)
    for name, threshold in expected.items():
        assert alarms[name]["Threshold"] == threshold, name
        assert alarms[name]["AlarmActions"] == [{"Ref": topic_id}], name
        assert alarms[name]["TreatMissingData"] == "notBreaching", name


def test_model_alarm_uses_service_dimension(template_json: dict) -> None:
    (alarm,) = [
        alarm["Properties"]
        for alarm in resources_of(template_json, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"]["AlarmName"].endswith("ModelUnavailable")
    ]

    assert alarm["Namespace"] == api_metrics.NAMESPACE
    assert alarm["MetricName"] == api_metrics.MODEL_UNAVAILABLE
    assert alarm["Dimensions"] == [
        {"Name": api_metrics.SERVICE_NAME_DIMENSION, "Value": api_metrics.SERVICE_NAME}
    ]


def test_drift_alarm_watches_drift_command(template_json: dict) -> None:
    (alarm,) = [
        alarm["Properties"]
        for alarm in resources_of(template_json, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"]["AlarmName"].endswith("FeatureDrift")
    ]

    assert alarm["Namespace"] == api_metrics.NAMESPACE
    assert alarm["MetricName"] == MAX_FEATURE_DRIFT_METRIC
    assert alarm["Period"] == 86400
    assert "Dimensions" not in alarm


def test_init_duration_metric_filter(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Logs::MetricFilter",
        {
            "FilterPattern": '{ ($.type = "platform.report") && '
            "($.record.metrics.initDurationMs > 0) }",
            "MetricTransformations": [
                Match.object_like(
                    {
                        "MetricName": "InitDuration",
                        "MetricValue": "$.record.metrics.initDurationMs",
                    }
                )
            ],
        },
    )


def test_dashboard_shows_model_metrics(template_json: dict) -> None:
    (dashboard,) = resources_of(template_json, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])

    for name in (
        api_metrics.PREDICTION_COUNT,
        api_metrics.SATISFIED_COUNT,
        api_metrics.MODEL_VERSION_DIMENSION,
        "5XXError",
        "Latency",
        "ConcurrentExecutions",
        "Throttles",
    ):
        assert name in body, name


# Least privilege across the stack


def test_no_managed_policies(template_json: dict) -> None:
    for logical_id, role in resources_of(template_json, "AWS::IAM::Role").items():
        assert "ManagedPolicyArns" not in role["Properties"], logical_id


def test_no_wildcard_resource_on_writes(template_json: dict) -> None:
    # Actions that AWS authorizes only on "*", each limited another way.
    allowed_on_any_resource = {
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "cloudwatch:PutMetricData",
        "sagemaker:ListModelPackages",
        "ecr:GetAuthorizationToken",
    }
    for policy in resources_of(template_json, "AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if "*" in as_list(statement["Resource"]):
                assert set(as_list(statement["Action"])) <= allowed_on_any_resource, (
                    statement
                )
