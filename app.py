#!/usr/bin/env python3
"""CDK app entry point (``cdk.json`` runs it): one stack per stage, checked by cdk-nag.

Settings come from CDK context and ``SATISFACTION_INFRA_*`` environment
variables; see ``infra/config.py`` and docs/deployment.md.
"""

from infra.stack import build_app

if __name__ == "__main__":
    app, _ = build_app()
    app.synth()
