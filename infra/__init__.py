"""AWS infrastructure of the satisfaction model: CDK constructs, one module per concern.

``app.py`` at the repository root builds one stack from these constructs:
storage, the SageMaker pipeline and its triggers, MLflow experiments, model
promotion, serving behind API Gateway and monitoring. ``nag.py`` runs the
cdk-nag AwsSolutions rules over the whole app.
"""
