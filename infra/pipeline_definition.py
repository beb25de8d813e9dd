"""SageMaker pipeline definition: process, train, evaluate, gate, register.

``build_pipeline_definition`` returns the JSON body of an
``AWS::SageMaker::Pipeline``. It runs the same step programs as the local DVC
pipeline (``python -m processing``, ``python -m training``,
``python -m evaluation``) from one source archive in S3, so the cloud pipeline
and a local ``dvc repro`` train the same model from the same code.

The definition is built with the SageMaker Python SDK v3 at synth time without
any network call, and it is byte-identical on every call with the same
arguments. Every argument is a plain string, so a CDK token such as
``${Token[TOKEN.123]}`` passes through unchanged and CloudFormation resolves it.

The SDK is imported inside the builder because the import takes about 2 s;
importing this module stays cheap. To read the definition without the CDK app::

    python -m infra.pipeline_definition --role-arn arn:aws:iam::123456789012:role/r \
        --artifacts-bucket my-bucket --code-uri s3://my-bucket/sourcedir.tar.gz
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from satisfaction.config import Settings

# Pipeline parameter names, shared with the CDK stack and the tests.
INPUT_DATA_URI = "InputDataUri"
INPUT_DATA_VERSION = "InputDataVersion"
PROCESSING_INSTANCE_TYPE = "ProcessingInstanceType"
PROCESSING_INSTANCE_COUNT = "ProcessingInstanceCount"
TRAINING_INSTANCE_TYPE = "TrainingInstanceType"
TRAINING_INSTANCE_COUNT = "TrainingInstanceCount"
MIN_ROC_AUC = "MinRocAuc"
MIN_ACCURACY = "MinAccuracy"

# Step names, in run order. They are also the keys the drift test maps to the
# stages of dvc.yaml.
PROCESS_STEP = "Process"
TRAIN_STEP = "Train"
EVALUATE_STEP = "Evaluate"
GATE_STEP = "QualityGate"
REGISTER_STEP = "Register"
FAIL_STEP = "GateFailed"

# The property file that the condition step reads, and the JSON paths in it.
EVALUATION_REPORT = "EvaluationReport"
EVALUATION_OUTPUT = "evaluation"
EVALUATION_FILE = "evaluation.json"
ROC_AUC_PATH = "binary_classification_metrics.roc_auc.value"
ACCURACY_PATH = "binary_classification_metrics.accuracy.value"

# SageMaker framework image versions, from the image catalogue of sagemaker 3.27.
# The step code needs Python >= 3.11. The "-py312" scikit-learn tag names its
# Python, and the XGBoost 3.2-0 image moved to Python 3.12 with XGBoost 3.2
# (aws/deep-learning-containers pull request 6024); 3.0-5 and plain 1.4-2 run
# Python 3.10. NOTE: no job has run here, so processing jobs still check the
# version at start; pass processing_image_uri and training_image_uri to override.
SKLEARN_IMAGE_VERSION = "1.4-2-py312"
XGBOOST_IMAGE_VERSION = "3.2-0"

# Processing outputs (one S3 prefix each) and the ones training reads as channels.
PROCESSING_OUTPUTS = ("train", "validation", "test", "baseline", "report")
TRAINING_CHANNELS = ("train", "validation", "baseline")

# Container paths fixed by the SageMaker processing and training job contracts.
PROCESSING_ROOT = "/opt/ml/processing"
CODE_DIR = "/opt/ml/code"

# Module the XGBoost framework container runs in script mode. Read from the
# container's source (aws/sagemaker-xgboost-container, training.py, which calls
# sagemaker-containers' run_module): it unpacks the sagemaker_submit_directory
# archive into CODE_DIR, runs ``pip install . -r requirements.txt`` there, then
# ``python -m <sagemaker_program without .py>`` with one ``--name value`` per
# other hyperparameter, each value decoded from JSON when it parses.
TRAINING_PROGRAM = "training"

# Shell program that starts a processing job: unpack the source archive, check
# the Python version, install its requirements, then run a step module. The
# processor appends the archive path ($1). The job arguments follow: the module
# ($2) and its own arguments.
PROCESSING_BOOTSTRAP = """set -eu
archive="$1"
module="$2"
shift 2
source_dir=/tmp/source
mkdir -p "$source_dir"
tar -xzf "$archive" -C "$source_dir"
cd "$source_dir"
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "The step code needs Python >= 3.11, found $(python3 --version 2>&1)." >&2
    echo "Pass a custom image with processing_image_uri or training_image_uri." >&2
    exit 1
fi
python3 -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS_FILE"
exec python3 -m "$module" "$@"
"""

# The SDK parses and checks some arguments: ModelTrainer looks a role up in IAM
# unless it reads as a role ARN, and urlparse rejects the brackets of a CDK token
# in an S3 URI. So the definition is built with these well-formed placeholders,
# and the caller's values replace them in the JSON text.
ROLE_PLACEHOLDER = "arn:aws:iam::000000000000:role/pipeline-role-placeholder"
BUCKET_PLACEHOLDER = "pipeline-artifacts-bucket-placeholder"
ARCHIVE_PLACEHOLDER = "pipeline-source-archive-placeholder.tar.gz"
CODE_URI_PLACEHOLDER = f"s3://pipeline-code-bucket-placeholder/{ARCHIVE_PLACEHOLDER}"
MODEL_PACKAGE_GROUP_PLACEHOLDER = "pipeline-model-package-group-placeholder"
MLFLOW_PLACEHOLDER = (
    "arn:aws:sagemaker:us-east-1:000000000000:mlflow-tracking-server/placeholder"
)

REGION_PATTERN = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")

DEFAULT_PIPELINE_NAME = "satisfaction-training"
DEFAULT_PROCESSING_INSTANCE_TYPE = "ml.m5.large"
DEFAULT_TRAINING_INSTANCE_TYPE = "ml.m5.xlarge"
DEFAULT_REQUIREMENTS_FILE = "requirements.txt"

# Settings the SDK reads from the environment while it builds the definition:
# a region and dummy credentials so boto3 clients are created without probing the
# EC2 metadata address, and no IAM role validation call.
_OFFLINE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "offline-synth",
    "AWS_SECRET_ACCESS_KEY": "offline-synth",
    "AWS_EC2_METADATA_DISABLED": "true",
    "SAGEMAKER_VALIDATE_ROLE": "false",
}


def default_hyperparameters() -> dict[str, str]:
    """Return the training step's tuned hyperparameter defaults as strings.

    A default computed where the step runs (``nthread``: the CPU count) is left
    out, so the training job computes it on its own instance and the definition
    does not depend on the machine that builds it.
    """
    from training.hyperparameters import Hyperparameters

    defaults = {}
    for name, field in Hyperparameters.model_fields.items():
        if field.default_factory is None:
            defaults[name] = str(field.default)
    return defaults


def default_process_arguments() -> dict[str, str]:
    """Return the processing step's split and validation defaults as strings."""
    from processing.step import DEFAULT_TEST_FRACTION, DEFAULT_VALIDATION_FRACTION

    fields = Settings.model_fields
    return {
        "validation_fraction": str(DEFAULT_VALIDATION_FRACTION),
        "test_fraction": str(DEFAULT_TEST_FRACTION),
        "seed": str(fields["seed"].default),
        "max_invalid_share": str(fields["max_invalid_share"].default),
    }


def default_gate() -> dict[str, float]:
    """Return the quality gate defaults of the local ``register`` step."""
    fields = Settings.model_fields
    return {
        MIN_ROC_AUC: float(fields["min_roc_auc"].default),
        MIN_ACCURACY: float(fields["min_accuracy"].default),
    }


def build_pipeline_definition(
    *,
    role_arn: str,
    region: str,
    artifacts_bucket: str,
    code_uri: str,
    model_package_group: str,
    mlflow_tracking_arn: str | None = None,
    pipeline_name: str = DEFAULT_PIPELINE_NAME,
    processing_image_uri: str | None = None,
    training_image_uri: str | None = None,
    requirements_file: str = DEFAULT_REQUIREMENTS_FILE,
    hyperparameters: Mapping[str, str] | None = None,
    process_arguments: Mapping[str, str] | None = None,
) -> str:
    """Build the pipeline definition JSON of the training pipeline.

    Args:
        role_arn: Execution role of the pipeline's jobs.
        region: AWS region such as ``eu-west-1``. It must be a concrete name, not
            a token, because the SageMaker image URIs are looked up per region.
        artifacts_bucket: Bucket name for step outputs, under ``<pipeline_name>/``.
        code_uri: ``s3://`` URI of a ``.tar.gz`` with ``processing/``, ``training/``,
            ``evaluation/``, ``satisfaction/`` and ``requirements_file`` at its root.
        model_package_group: Model package group that receives new versions.
        mlflow_tracking_arn: SageMaker MLflow tracking server ARN for the training
            run. Without it the run is tracked in a SQLite file that SageMaker
            stores with the job's output data.
        pipeline_name: Pipeline name, a concrete string (not a token) because it
            also prefixes job names. It is the key prefix of step outputs too.
        processing_image_uri: Image of the processing job. Default: the
            SageMaker scikit-learn image, version 1.4-2-py312.
        training_image_uri: Image of the training job (in script mode) and of the
            evaluation job, which loads the model with XGBoost. Default: the
            SageMaker XGBoost image, version 3.2-0.
        requirements_file: Requirements file in the archive that the processing
            and evaluation jobs install before they start.
        hyperparameters: Training hyperparameters by name (``max_depth``...).
            Default: the training step's tuned defaults.
        process_arguments: Processing options by name (``seed``,
            ``test_fraction``...), passed as ``--name value``. Default: the
            processing step's defaults.

    Raises:
        ValueError: when ``region`` is not a region name, ``code_uri`` is not an
            ``s3://`` URI, or a string argument is empty or contains a quote or a
            backslash.
    """
    if not REGION_PATTERN.fullmatch(region):
        raise ValueError(
            f"region must be an AWS region name such as eu-west-1, got {region!r}"
        )
    named_values = {
        "role_arn": role_arn,
        "artifacts_bucket": artifacts_bucket,
        "code_uri": code_uri,
        "model_package_group": model_package_group,
    }
    if mlflow_tracking_arn is not None:
        named_values["mlflow_tracking_arn"] = mlflow_tracking_arn
    for name, value in named_values.items():
        # The values are pasted into JSON text, where these would need escaping.
        if not value or '"' in value or "\\" in value:
            raise ValueError(
                f"{name} must be a non-empty string without quotes or backslashes, "
                f"got {value!r}"
            )
    if not code_uri.startswith("s3://") or "/" not in code_uri[len("s3://") :]:
        raise ValueError(
            f"code_uri must be an s3:// URI of the source archive, got {code_uri!r}"
        )

    # The code URI placeholder contains the archive placeholder, so it goes first.
    substitutions = {
        CODE_URI_PLACEHOLDER: code_uri,
        ARCHIVE_PLACEHOLDER: code_uri.rsplit("/", 1)[1],
        ROLE_PLACEHOLDER: role_arn,
        BUCKET_PLACEHOLDER: artifacts_bucket,
        MODEL_PACKAGE_GROUP_PLACEHOLDER: model_package_group,
    }
    if mlflow_tracking_arn:
        substitutions[MLFLOW_PLACEHOLDER] = mlflow_tracking_arn

    with _offline_sdk_environment(region):
        definition = _build(
            role_arn=ROLE_PLACEHOLDER,
            region=region,
            artifacts_bucket=BUCKET_PLACEHOLDER,
            code_uri=CODE_URI_PLACEHOLDER,
            model_package_group=MODEL_PACKAGE_GROUP_PLACEHOLDER,
            mlflow_tracking_arn=MLFLOW_PLACEHOLDER if mlflow_tracking_arn else None,
            pipeline_name=pipeline_name,
            processing_image_uri=processing_image_uri,
            training_image_uri=training_image_uri,
            requirements_file=requirements_file,
            hyperparameters=dict(hyperparameters or default_hyperparameters()),
            process_arguments=dict(process_arguments or default_process_arguments()),
        )
    for placeholder, value in substitutions.items():
        definition = definition.replace(placeholder, value)
    return definition


@contextmanager
def _offline_sdk_environment(region: str) -> Iterator[None]:
    """Set the environment the SDK needs offline, and restore it afterwards.

    Also quiets the SDK's logging and warnings, and disables its telemetry.
    """
    overrides = dict(_OFFLINE_ENVIRONMENT)
    overrides["AWS_DEFAULT_REGION"] = region
    saved = {name: os.environ.get(name) for name in overrides}
    os.environ.update(overrides)
    sdk_logger = logging.getLogger("sagemaker")
    sdk_log_level = sdk_logger.level
    # The SDK logs expected events of a pipeline build as warnings ("Popping out
    # 'ProcessingJobName'...", "No Job being started"), which would clutter synth.
    sdk_logger.setLevel(logging.ERROR)
    try:
        with _telemetry_disabled(), warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message="Running within a PipelineSession"
            )
            yield
    finally:
        sdk_logger.setLevel(sdk_log_level)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def _telemetry_disabled() -> Iterator[None]:
    """Replace the SDK's telemetry sender with a no-op while the pipeline is built.

    ``ScriptProcessor.run``, ``ModelTrainer.train`` and ``ModelBuilder.register``
    each start a thread that calls STS and an AWS HTTPS endpoint. The documented
    opt-out (``TelemetryOptOut`` in the SDK configuration) makes the SDK validate
    its configuration against a JSON schema on every lookup, which made one build
    8 s slower (sagemaker 3.27, a busy 2-core machine, so an estimate).
    """
    from sagemaker.core.telemetry import telemetry_logging

    sender = telemetry_logging._send_telemetry_request
    telemetry_logging._send_telemetry_request = _skip_telemetry
    try:
        yield
    finally:
        telemetry_logging._send_telemetry_request = sender


def _skip_telemetry(*args: object, **kwargs: object) -> None:
    return None


@dataclass(frozen=True)
class _Job:
    """Session, role, locations and pipeline parameters of one build's job steps."""

    session: Any
    role_arn: str
    artifacts_bucket: str
    pipeline_name: str
    code_uri: str
    requirements_file: str
    parameters: dict[str, Any]
    cache: Any

    def output_uri(self, name: str) -> Any:
        """Return the S3 URI of output ``name`` under this execution's prefix.

        One prefix per execution, so a cached step never reads outputs that a
        later execution overwrote.
        """
        from sagemaker.core.workflow.execution_variables import ExecutionVariables
        from sagemaker.core.workflow.functions import Join

        return Join(
            on="/",
            values=[
                f"s3://{self.artifacts_bucket}/{self.pipeline_name}",
                ExecutionVariables.PIPELINE_EXECUTION_ID,
                name,
            ],
        )

    def processor(self, job_name: str, image_uri: str) -> Any:
        """Return a processor that runs a step module from the source archive."""
        from sagemaker.core.processing import ScriptProcessor

        return ScriptProcessor(
            role=self.role_arn,
            image_uri=image_uri,
            command=["/bin/sh", "-c", PROCESSING_BOOTSTRAP, "bootstrap"],
            instance_type=self.parameters[PROCESSING_INSTANCE_TYPE],
            instance_count=self.parameters[PROCESSING_INSTANCE_COUNT],
            base_job_name=f"{self.pipeline_name}-{job_name}",
            env={
                "REQUIREMENTS_FILE": self.requirements_file,
                # Unused by the step code: it makes the input's version part of
                # the arguments that step caching compares.
                "INPUT_DATA_VERSION": self.parameters[INPUT_DATA_VERSION],
            },
            sagemaker_session=self.session,
        )

    def processing_input(self, name: str, source: Any, local_path: str) -> Any:
        from sagemaker.core.shapes import ProcessingInput, ProcessingS3Input

        return ProcessingInput(
            input_name=name,
            s3_input=ProcessingS3Input(
                s3_uri=source,
                local_path=local_path,
                s3_data_type="S3Prefix",
                s3_input_mode="File",
            ),
        )

    def processing_output(self, name: str) -> Any:
        from sagemaker.core.shapes import ProcessingOutput, ProcessingS3Output

        return ProcessingOutput(
            output_name=name,
            s3_output=ProcessingS3Output(
                s3_uri=self.output_uri(name),
                local_path=f"{PROCESSING_ROOT}/{name}",
                s3_upload_mode="EndOfJob",
            ),
        )


def _build(
    *,
    role_arn: str,
    region: str,
    artifacts_bucket: str,
    code_uri: str,
    model_package_group: str,
    mlflow_tracking_arn: str | None,
    pipeline_name: str,
    processing_image_uri: str | None,
    training_image_uri: str | None,
    requirements_file: str,
    hyperparameters: dict[str, str],
    process_arguments: dict[str, str],
) -> str:
    import boto3
    from sagemaker.core import image_uris
    from sagemaker.core.workflow.pipeline_context import PipelineSession
    from sagemaker.mlops.workflow import CacheConfig, Pipeline

    session = PipelineSession(
        boto_session=boto3.Session(region_name=region),
        default_bucket=artifacts_bucket,
    )
    # default_bucket() calls S3 to check that the bucket exists unless the name is
    # already cached. ModelBuilder.register() calls it, so cache the name here.
    session._default_bucket = artifacts_bucket

    parameters = _pipeline_parameters(artifacts_bucket, pipeline_name)
    job = _Job(
        session=session,
        role_arn=role_arn,
        artifacts_bucket=artifacts_bucket,
        pipeline_name=pipeline_name,
        code_uri=code_uri,
        requirements_file=requirements_file,
        parameters=parameters,
        # NOTE: a processing step's cache key is its AppSpecification, Environment
        # and ProcessingInputs (AWS docs, "Default cache key attributes by
        # pipeline step type"), not the data behind an S3 URI. A new file at the
        # same InputDataUri is processed only when InputDataVersion changes too
        # (a trigger can pass the S3 version id).
        cache=CacheConfig(enable_caching=True, expire_after="P30D"),
    )
    processing_image = processing_image_uri or image_uris.retrieve(
        "sklearn", region=region, version=SKLEARN_IMAGE_VERSION
    )
    training_image = training_image_uri or image_uris.retrieve(
        "xgboost", region=region, version=XGBOOST_IMAGE_VERSION
    )

    process_step = _process_step(job, processing_image, process_arguments)
    train_step = _train_step(
        job, process_step, training_image, hyperparameters, mlflow_tracking_arn
    )
    # The evaluation job loads the model, so it runs on the XGBoost image.
    evaluate_step = _evaluate_step(
        job, process_step, train_step, training_image, mlflow_tracking_arn
    )
    gate_step = _gate_step(
        job, train_step, evaluate_step, training_image, model_package_group
    )

    pipeline = Pipeline(
        name=pipeline_name,
        parameters=list(parameters.values()),
        steps=[process_step, train_step, evaluate_step, gate_step],
        sagemaker_session=session,
    )
    document = json.loads(pipeline.definition())
    _remove_serving_environment(document)
    # Sorted keys, so equal definitions are equal bytes whatever the SDK's order.
    return json.dumps(document, indent=2, sort_keys=True)


def _pipeline_parameters(artifacts_bucket: str, pipeline_name: str) -> dict[str, Any]:
    """Return the pipeline parameters by name, in declaration order."""
    from sagemaker.core.workflow import (
        ParameterFloat,
        ParameterInteger,
        ParameterString,
    )

    gate = default_gate()
    parameters = [
        ParameterString(
            name=INPUT_DATA_URI,
            default_value=f"s3://{artifacts_bucket}/{pipeline_name}/raw/train.csv",
        ),
        ParameterString(name=INPUT_DATA_VERSION, default_value="unversioned"),
        ParameterString(
            name=PROCESSING_INSTANCE_TYPE,
            default_value=DEFAULT_PROCESSING_INSTANCE_TYPE,
        ),
        ParameterInteger(name=PROCESSING_INSTANCE_COUNT, default_value=1),
        ParameterString(
            name=TRAINING_INSTANCE_TYPE, default_value=DEFAULT_TRAINING_INSTANCE_TYPE
        ),
        ParameterInteger(name=TRAINING_INSTANCE_COUNT, default_value=1),
        ParameterFloat(name=MIN_ROC_AUC, default_value=gate[MIN_ROC_AUC]),
        ParameterFloat(name=MIN_ACCURACY, default_value=gate[MIN_ACCURACY]),
    ]
    return {parameter.name: parameter for parameter in parameters}


def _process_step(job: _Job, image_uri: str, process_arguments: dict[str, str]) -> Any:
    """Return step 1: validate, clean and split the raw survey file."""
    from sagemaker.mlops.workflow import ProcessingStep

    data_dir = f"{PROCESSING_ROOT}/input/data"
    step_args = job.processor("process", image_uri).run(
        code=job.code_uri,
        inputs=[job.processing_input("data", job.parameters[INPUT_DATA_URI], data_dir)],
        outputs=[job.processing_output(name) for name in PROCESSING_OUTPUTS],
        arguments=[
            "processing",
            "--input",
            data_dir,
            "--output-dir",
            PROCESSING_ROOT,
            *_options(process_arguments),
        ],
    )
    return ProcessingStep(
        name=PROCESS_STEP, step_args=step_args, cache_config=job.cache
    )


def _split_uri(process_step: Any, name: str) -> Any:
    outputs = process_step.properties.ProcessingOutputConfig.Outputs
    return outputs[name].S3Output.S3Uri


def _train_step(
    job: _Job,
    process_step: Any,
    image_uri: str,
    hyperparameters: dict[str, str],
    mlflow_tracking_arn: str | None,
) -> Any:
    """Return step 2: train in the XGBoost framework container's script mode.

    The container downloads the archive named by ``sagemaker_submit_directory``
    and runs ``sagemaker_program`` with the other hyperparameters as arguments.
    """
    from sagemaker.core.training.configs import Compute, InputData, OutputDataConfig
    from sagemaker.mlops.workflow import TrainingStep
    from sagemaker.train import ModelTrainer

    # Without a tracking server the run goes to a SQLite file in the output data
    # folder, which SageMaker uploads with the job's output.
    tracking_uri = mlflow_tracking_arn or "sqlite:////opt/ml/output/data/mlflow.db"
    trainer = ModelTrainer(
        training_image=image_uri,
        role=job.role_arn,
        base_job_name=f"{job.pipeline_name}-train",
        sagemaker_session=job.session,
        compute=Compute(
            instance_type=job.parameters[TRAINING_INSTANCE_TYPE],
            instance_count=job.parameters[TRAINING_INSTANCE_COUNT],
        ),
        hyperparameters={
            **hyperparameters,
            # JSON-encoded like every other value, so the container's
            # hyperparameter parser reads all of them as JSON.
            "sagemaker_program": json.dumps(TRAINING_PROGRAM),
            "sagemaker_submit_directory": json.dumps(job.code_uri),
        },
        environment={
            "PYTHONPATH": CODE_DIR,
            "SATISFACTION_MLFLOW_TRACKING_URI": tracking_uri,
        },
        output_data_config=OutputDataConfig(
            s3_output_path=f"s3://{job.artifacts_bucket}/{job.pipeline_name}/models"
        ),
    )
    channels = [
        InputData(channel_name=name, data_source=_split_uri(process_step, name))
        for name in TRAINING_CHANNELS
    ]
    return TrainingStep(
        name=TRAIN_STEP,
        step_args=trainer.train(input_data_config=channels),
        cache_config=job.cache,
    )


def _evaluate_step(
    job: _Job,
    process_step: Any,
    train_step: Any,
    image_uri: str,
    mlflow_tracking_arn: str | None,
) -> Any:
    """Return step 3: test metrics of the trained model, read by the gate."""
    from sagemaker.core.workflow import PropertyFile
    from sagemaker.mlops.workflow import ProcessingStep

    model_dir = f"{PROCESSING_ROOT}/model"
    test_dir = f"{PROCESSING_ROOT}/test"
    model_data = train_step.properties.ModelArtifacts.S3ModelArtifacts
    # The test metrics join the training run when there is a tracking server.
    if mlflow_tracking_arn:
        tracking = ["--tracking-uri", mlflow_tracking_arn]
    else:
        tracking = ["--no-tracking"]

    step_args = job.processor("evaluate", image_uri).run(
        code=job.code_uri,
        inputs=[
            job.processing_input("model", model_data, model_dir),
            job.processing_input("test", _split_uri(process_step, "test"), test_dir),
        ],
        outputs=[job.processing_output(EVALUATION_OUTPUT)],
        arguments=[
            "evaluation",
            "--model-dir",
            model_dir,
            "--test-dir",
            test_dir,
            "--output-dir",
            f"{PROCESSING_ROOT}/{EVALUATION_OUTPUT}",
            "--min-roc-auc",
            job.parameters[MIN_ROC_AUC].to_string(),
            "--min-accuracy",
            job.parameters[MIN_ACCURACY].to_string(),
            *tracking,
        ],
    )
    report = PropertyFile(
        name=EVALUATION_REPORT, output_name=EVALUATION_OUTPUT, path=EVALUATION_FILE
    )
    return ProcessingStep(
        name=EVALUATE_STEP,
        step_args=step_args,
        property_files=[report],
        cache_config=job.cache,
    )


def _gate_step(
    job: _Job,
    train_step: Any,
    evaluate_step: Any,
    image_uri: str,
    model_package_group: str,
) -> Any:
    """Return steps 4 to 6: the quality gate, then registration or failure."""
    from sagemaker.core.model_metrics import MetricsSource, ModelMetrics
    from sagemaker.core.workflow.conditions import ConditionGreaterThanOrEqualTo
    from sagemaker.core.workflow.functions import Join, JsonGet
    from sagemaker.mlops.workflow import ConditionStep, FailStep, ModelStep
    from sagemaker.serve.model_builder import ModelBuilder

    report = evaluate_step.property_files[0]
    roc_auc = JsonGet(
        step_name=EVALUATE_STEP, property_file=report, json_path=ROC_AUC_PATH
    )
    accuracy = JsonGet(
        step_name=EVALUATE_STEP, property_file=report, json_path=ACCURACY_PATH
    )
    min_roc_auc = job.parameters[MIN_ROC_AUC]
    min_accuracy = job.parameters[MIN_ACCURACY]

    # A model that passed: the package records the artifact and its metrics. The
    # API Lambda serves the model, so the image only records the training image.
    evaluation_outputs = evaluate_step.properties.ProcessingOutputConfig.Outputs
    evaluation_uri = Join(
        on="/",
        values=[evaluation_outputs[EVALUATION_OUTPUT].S3Output.S3Uri, EVALUATION_FILE],
    )
    model_builder = ModelBuilder(
        image_uri=image_uri,
        s3_model_data_url=train_step.properties.ModelArtifacts.S3ModelArtifacts,
        role_arn=job.role_arn,
        sagemaker_session=job.session,
    )
    register_step = ModelStep(
        name=REGISTER_STEP,
        step_args=model_builder.register(
            model_package_group_name=model_package_group,
            approval_status="PendingManualApproval",
            content_types=["application/json"],
            response_types=["application/json"],
            model_metrics=ModelMetrics(
                model_statistics=MetricsSource(
                    content_type="application/json", s3_uri=evaluation_uri
                )
            ),
        ),
    )

    # A model that failed: stop the execution with the figures in its message.
    fail_step = FailStep(
        name=FAIL_STEP,
        error_message=Join(
            on="",
            values=[
                "Quality gate failed: test ROC-AUC ",
                roc_auc,
                " (minimum ",
                min_roc_auc,
                "), test accuracy ",
                accuracy,
                " (minimum ",
                min_accuracy,
                "). The model was not registered.",
            ],
        ),
    )

    return ConditionStep(
        name=GATE_STEP,
        conditions=[
            ConditionGreaterThanOrEqualTo(left=roc_auc, right=min_roc_auc),
            ConditionGreaterThanOrEqualTo(left=accuracy, right=min_accuracy),
        ],
        if_steps=[register_step],
        else_steps=[fail_step],
    )


def _options(values: Mapping[str, str]) -> list[str]:
    """Return ``--name-with-dashes value`` pairs, in the mapping's order."""
    options: list[str] = []
    for name, value in values.items():
        options += ["--" + name.replace("_", "-"), str(value)]
    return options


def _remove_serving_environment(document: dict[str, Any]) -> None:
    """Drop the environment ModelBuilder gives the registered model's container.

    ModelBuilder.register() fills in framework serving variables
    (``SAGEMAKER_PROGRAM`` and ``SAGEMAKER_SUBMIT_DIRECTORY`` empty, and the
    region). The package only records the artifact and its metrics, because the
    API Lambda serves the model, so none of them applies.
    """
    for step in _all_steps(document["Steps"]):
        if step["Type"] != "RegisterModel":
            continue
        for container in step["Arguments"]["InferenceSpecification"]["Containers"]:
            container.pop("Environment", None)


def _all_steps(steps: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for step in steps:
        yield step
        if step["Type"] == "Condition":
            yield from _all_steps(step["Arguments"].get("IfSteps", []))
            yield from _all_steps(step["Arguments"].get("ElseSteps", []))


def main(argv: list[str] | None = None) -> int:
    """Print the pipeline definition JSON for the given deployment values."""
    parser = argparse.ArgumentParser(
        prog="python -m infra.pipeline_definition",
        description="Print the SageMaker pipeline definition JSON. Makes no AWS call.",
    )

    parser.add_argument("--role-arn", required=True, help="Execution role ARN.")
    parser.add_argument("--region", default="eu-west-1", help="AWS region.")
    parser.add_argument(
        "--artifacts-bucket", required=True, help="Bucket name for step outputs."
    )
    parser.add_argument(
        "--code-uri", required=True, help="s3:// URI of the source archive (.tar.gz)."
    )
    parser.add_argument(
        "--model-package-group",
        default=Settings.model_fields["model_package_group"].default,
        help="Model package group name. Default: %(default)s.",
    )
    parser.add_argument(
        "--mlflow-tracking-arn", help="SageMaker MLflow tracking server ARN."
    )
    parser.add_argument(
        "--pipeline-name",
        default=DEFAULT_PIPELINE_NAME,
        help="Pipeline name. Default: %(default)s.",
    )
    arguments = parser.parse_args(argv)

    try:
        definition = build_pipeline_definition(
            role_arn=arguments.role_arn,
            region=arguments.region,
            artifacts_bucket=arguments.artifacts_bucket,
            code_uri=arguments.code_uri,
            model_package_group=arguments.model_package_group,
            mlflow_tracking_arn=arguments.mlflow_tracking_arn,
            pipeline_name=arguments.pipeline_name,
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    print(definition)
    return 0


if __name__ == "__main__":
    sys.exit(main())
