"""Alarms, the alarm topic and the dashboard of the prediction service.

Every alarm publishes to one SNS topic, encrypted with a customer managed KMS
key (CloudWatch and EventBridge cannot publish to a topic encrypted with the
AWS managed SNS key). ``docs/runbook.md`` describes what to do for each alarm.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.config import InfraSettings
from lambdas.api import metrics as api_metrics
from monitoring import drift

# Custom metric from the metric filter on the API function's platform.report records.
INIT_DURATION_METRIC = "InitDuration"
ALARM_PERIOD = Duration.minutes(5)
# Drift checks run as batch jobs, hours or days apart, so their alarm looks at
# a whole day. A day without a check counts as not breaching.
DRIFT_PERIOD = Duration.days(1)


class AlarmTopic(Construct):
    """The KMS-encrypted SNS topic of alarms and pipeline alerts."""

    def __init__(self, scope: Construct, construct_id: str, settings: InfraSettings):
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description="Encrypts the alarm topic of the satisfaction service.",
            enable_key_rotation=True,
            # The topic stores no messages, so nothing needs the key after the
            # stack is gone. Deletion waits the default 30-day window.
            removal_policy=RemovalPolicy.DESTROY,
        )
        for service in ("cloudwatch.amazonaws.com", "events.amazonaws.com"):
            self.key.grant(
                iam.ServicePrincipal(service), "kms:Decrypt", "kms:GenerateDataKey*"
            )

        self.topic = sns.Topic(
            self,
            "Topic",
            display_name=f"{settings.resource_prefix} alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        # EventBridge rules publish pipeline failures here as well as alarms.
        self.topic.grant_publish(iam.ServicePrincipal("events.amazonaws.com"))
        if settings.alarm_email:
            self.topic.add_subscription(
                subscriptions.EmailSubscription(settings.alarm_email)
            )


class Monitoring(Construct):
    """Alarms on the API, its Lambda and the model, and the dashboard."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        settings: InfraSettings,
        api: apigateway.RestApi,
        api_function: lambda_.Function,
        api_log_group: logs.ILogGroup,
        api_timeout: Duration,
        deployer_function: lambda_.Function,
        topic: sns.ITopic,
    ):
        super().__init__(scope, construct_id)
        self.settings = settings
        self.api = api
        self.api_function = api_function
        self.action = cloudwatch_actions.SnsAction(topic)
        self.init_duration = self._init_duration_metric(api_log_group)
        self.model_dimensions = {
            api_metrics.SERVICE_NAME_DIMENSION: api_metrics.SERVICE_NAME
        }

        timeout_ms = api_timeout.to_milliseconds()
        self.alarms = {
            "Api5xx": self._alarm(
                "Api5xx",
                api.metric_server_error(period=ALARM_PERIOD, statistic="Sum"),
                settings.alarm_api_5xx_count,
                "API Gateway returned 5xx responses.",
            ),
            "ApiLatencyP99": self._alarm(
                "ApiLatencyP99",
                api.metric_latency(period=ALARM_PERIOD, statistic="p99"),
                settings.alarm_p99_latency_ms,
                "API p99 latency (ms) is above the threshold in 2 of 3 periods.",
                evaluation_periods=3,
                datapoints_to_alarm=2,
            ),
            "LambdaErrors": self._alarm(
                "LambdaErrors",
                api_function.metric_errors(period=ALARM_PERIOD, statistic="Sum"),
                settings.alarm_lambda_error_count,
                "The API function raised errors or timed out.",
            ),
            "LambdaThrottles": self._alarm(
                "LambdaThrottles",
                api_function.metric_throttles(period=ALARM_PERIOD, statistic="Sum"),
                settings.alarm_throttle_count,
                "Lambda throttled invocations of the API function.",
            ),
            "DurationNearTimeout": self._alarm(
                "DurationNearTimeout",
                api_function.metric_duration(period=ALARM_PERIOD, statistic="Maximum"),
                round(timeout_ms * settings.alarm_duration_timeout_share),
                "An invocation took more than "
                f"{settings.alarm_duration_timeout_share:.0%} "
                f"of the {timeout_ms} ms timeout.",
            ),
            "ColdStartInitDuration": self._alarm(
                "ColdStartInitDuration",
                self.init_duration.with_(period=ALARM_PERIOD, statistic="Maximum"),
                settings.alarm_init_duration_ms,
                "A cold start of the API function spent longer than the threshold "
                "(ms) in initialization.",
            ),
            "ModelUnavailable": self._alarm(
                "ModelUnavailable",
                self._model_metric(api_metrics.MODEL_UNAVAILABLE, "Sum"),
                1,
                "The API answered 503 because no approved model could be loaded.",
            ),
            "FeatureDrift": self._alarm(
                "FeatureDrift",
                cloudwatch.Metric(
                    namespace=api_metrics.NAMESPACE,
                    metric_name=drift.MAX_FEATURE_DRIFT_METRIC,
                    period=DRIFT_PERIOD,
                    statistic="Maximum",
                ),
                drift.SIGNIFICANT_PSI,
                "A drift check ('satisfaction drift --publish') found a feature "
                "whose population stability index is 0.2 or more.",
            ),
            "DeployerErrors": self._alarm(
                "DeployerErrors",
                deployer_function.metric_errors(period=ALARM_PERIOD, statistic="Sum"),
                1,
                "The deployer failed to roll out an approved model version.",
            ),
        }
        self.dashboard = self._dashboard()

    def _init_duration_metric(self, log_group: logs.ILogGroup) -> cloudwatch.Metric:
        """Turn the initDurationMs of each cold start's report record into a metric.

        With the JSON log format, Lambda writes one ``platform.report`` record
        per invocation, and only cold starts carry ``record.metrics.initDurationMs``.
        """
        metric_filter = logs.MetricFilter(
            self,
            "InitDurationFilter",
            log_group=log_group,
            filter_pattern=logs.FilterPattern.all(
                logs.FilterPattern.string_value("$.type", "=", "platform.report"),
                logs.FilterPattern.number_value(
                    "$.record.metrics.initDurationMs", ">", 0
                ),
            ),
            metric_namespace=api_metrics.NAMESPACE,
            metric_name=INIT_DURATION_METRIC,
            metric_value="$.record.metrics.initDurationMs",
            unit=cloudwatch.Unit.MILLISECONDS,
        )
        return metric_filter.metric()

    def _model_metric(self, name: str, statistic: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=api_metrics.NAMESPACE,
            metric_name=name,
            dimensions_map=self.model_dimensions,
            period=ALARM_PERIOD,
            statistic=statistic,
        )

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        description: str,
        evaluation_periods: int = 1,
        datapoints_to_alarm: int = 1,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=f"{self.settings.resource_prefix}-{construct_id}",
            alarm_description=(
                f"{description} Runbook: docs/runbook.md#{construct_id.lower()}"
            ),
            metric=metric,
            threshold=threshold,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self.action)
        alarm.add_ok_action(self.action)
        return alarm

    def _dashboard(self) -> cloudwatch.Dashboard:
        """API, Lambda and model widgets in three columns, one concern per column."""
        api, function = self.api, self.api_function
        period = ALARM_PERIOD
        width = 8

        api_column = [
            _graph(
                "API requests",
                [
                    api.metric_count(period=period, statistic="Sum"),
                    api.metric_client_error(period=period, statistic="Sum"),
                    api.metric_server_error(period=period, statistic="Sum"),
                ],
                width,
            ),
            _graph(
                "API latency (ms)",
                [
                    api.metric_latency(period=period, statistic="p50", label="p50"),
                    api.metric_latency(period=period, statistic="p99", label="p99"),
                ],
                width,
            ),
        ]
        lambda_column = [
            _graph(
                "Lambda invocations",
                [
                    function.metric_invocations(period=period, statistic="Sum"),
                    function.metric_errors(period=period, statistic="Sum"),
                    function.metric_throttles(period=period, statistic="Sum"),
                ],
                width,
            ),
            _graph(
                "Lambda duration (ms) and concurrency",
                [
                    function.metric_duration(
                        period=period, statistic="p50", label="p50"
                    ),
                    function.metric_duration(
                        period=period, statistic="Maximum", label="max"
                    ),
                    self.init_duration.with_(
                        period=period, statistic="Maximum", label="cold start init"
                    ),
                ],
                width,
                right=[
                    function.metric(
                        "ConcurrentExecutions", period=period, statistic="Maximum"
                    )
                ],
            ),
        ]
        model_column = [
            _graph(
                "Predictions and share predicted satisfied",
                [self._model_metric(api_metrics.PREDICTION_COUNT, "Sum")],
                width,
                right=[
                    cloudwatch.MathExpression(
                        expression="IF(predictions > 0, satisfied / predictions, 0)",
                        using_metrics={
                            "satisfied": self._model_metric(
                                api_metrics.SATISFIED_COUNT, "Sum"
                            ),
                            "predictions": self._model_metric(
                                api_metrics.PREDICTION_COUNT, "Sum"
                            ),
                        },
                        label="share satisfied",
                        period=period,
                    )
                ],
            ),
            _graph(
                "Predictions by serving model version",
                [
                    cloudwatch.MathExpression(
                        expression=_predictions_by_version_search(),
                        using_metrics={},
                        label="",
                        period=period,
                    )
                ],
                width,
            ),
        ]

        dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{self.settings.resource_prefix}-service",
        )
        dashboard.add_widgets(
            cloudwatch.TextWidget(
                markdown="**API Gateway** | **API Lambda** | **Model**  "
                "(alarms: docs/runbook.md)",
                width=3 * width,
                height=1,
            )
        )
        for api_widget, lambda_widget, model_widget in zip(
            api_column, lambda_column, model_column, strict=True
        ):
            dashboard.add_widgets(api_widget, lambda_widget, model_widget)
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(
                title="Alarms", alarms=list(self.alarms.values()), width=3 * width
            )
        )
        return dashboard


def _graph(
    title: str,
    left: list[cloudwatch.IMetric],
    width: int,
    right: list[cloudwatch.IMetric] | None = None,
) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(
        title=title, left=left, right=right or [], width=width, height=6
    )


def _predictions_by_version_search() -> str:
    """Return a SEARCH over PredictionCount split by the ModelVersion dimension."""
    namespace = api_metrics.NAMESPACE
    service = api_metrics.SERVICE_NAME_DIMENSION
    version = api_metrics.MODEL_VERSION_DIMENSION
    return (
        f"SEARCH('{{{namespace},{service},{version}}} "
        f'MetricName="{api_metrics.PREDICTION_COUNT}" '
        f"{service}=\"{api_metrics.SERVICE_NAME}\"', 'Sum', 300)"
    )
