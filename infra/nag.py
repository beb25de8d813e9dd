"""cdk-nag AwsSolutions checks over the whole app, and acknowledgments with reasons.

cdk-nag 3 runs as a validation plugin: ``app.synth()`` raises when any finding
is left unacknowledged, so a test that synthesizes the app fails on it. The
cdk-nag 2 form (``Aspects`` plus ``NagSuppressions``) crashes with cdk-nag 3.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Acknowledgment, App, Stack, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def add_nag_checks(app: App) -> None:
    """Run the AwsSolutions rule pack on every stack of ``app`` at synth."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(verbose=True))


def acknowledge(
    construct: IConstruct,
    rule_id: str,
    reason: str,
    applies_to: Sequence[str] | None = None,
) -> None:
    """Accept a cdk-nag finding on ``construct`` and its children, with the reason.

    ``applies_to`` narrows an IAM finding to the listed findings, such as
    ``"Resource::*"``. Unset, the acknowledgment covers every finding of the rule.
    """
    if applies_to:
        for finding in applies_to:
            Validations.of(construct).acknowledge(
                Acknowledgment(id=f"{rule_id}[{finding}]", reason=reason)
            )
        return
    Validations.of(construct).acknowledge(Acknowledgment(id=rule_id, reason=reason))


def resource_finding(scope: IConstruct, value: str) -> str:
    """Return the cdk-nag IAM5 finding of an ARN, e.g. ``Resource::<Bucket.Arn>/raw/*``.

    cdk-nag names a finding after the resolved CloudFormation value: a ``Ref``
    becomes ``<LogicalId>``, a ``Fn::GetAtt`` ``<LogicalId.Attribute>`` and a
    ``Fn::Join`` the concatenation of its parts. Building the same string from
    the token keeps acknowledgments correct when logical IDs change.
    """
    return "Resource::" + _render(Stack.of(scope).resolve(value))


def _render(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref":
            return f"<{argument}>"
        if function == "Fn::GetAtt":
            return f"<{argument[0]}.{argument[1]}>"
        if function == "Fn::Join":
            separator, parts = argument
            return separator.join(_render(part) for part in parts)
    raise ValueError(f"cannot render {value!r} as a cdk-nag finding")
