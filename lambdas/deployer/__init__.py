"""Lambda that points the API at the newest Approved model version.

EventBridge invokes it on "SageMaker Model Package State Change" events. The
entry point is ``lambdas.deployer.handler.handler``.
"""
