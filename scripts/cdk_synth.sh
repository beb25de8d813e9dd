#!/usr/bin/env bash
# Synthesize the CDK app with the pinned CDK CLI and cdk-nag, without AWS access.
# The first run needs the npm registry and PyPI, for the CLI and the API bundle.
#
# Usage: scripts/cdk_synth.sh [extra cdk synth arguments, e.g. -c stageName=dev]
#
# 1. Installs the CDK CLI pinned in package.json into node_modules (npm ci),
#    unless that version is already there.
# 2. Rebuilds the API Lambda bundle when it is missing or was built from other
#    sources or requirements (python -m lambdas.api.bundle).
# 3. Runs `cdk synth -q --no-notices`; cdk.json runs `.venv/bin/python app.py`.
#    The cdk-nag AwsSolutions checks run inside the app, so any finding that is
#    not acknowledged fails the synth.
# Without AWS credentials the app uses the placeholder account 123456789012
# (infra/config.py) and the region the CLI chooses, us-east-1 when none is
# configured. Nothing is deployed or looked up.
set -euo pipefail

repository_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repository_root"
python=".venv/bin/python"

export CDK_DISABLE_CLI_TELEMETRY=1
export CDK_DISABLE_VERSION_CHECK=1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export AWS_EC2_METADATA_DISABLED=true

pinned_version="$(node -p "require('./package.json').devDependencies['aws-cdk']")"
installed_version="$(node -p "try { require('./node_modules/aws-cdk/package.json').version } catch { '' }")"
if [[ "$installed_version" != "$pinned_version" ]]; then
    echo "installing aws-cdk $pinned_version (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
fi

bundle_dir="${SATISFACTION_INFRA_API_BUNDLE_DIR:-build/lambda/api}"
if ! "$python" -c "
import sys
from pathlib import Path
from infra.lambda_code import ApiBundleError, check_bundle
try:
    check_bundle(Path(sys.argv[1]).resolve())
except ApiBundleError as error:
    print(error)
    sys.exit(1)
" "$bundle_dir"; then
    echo "building the API Lambda bundle in $bundle_dir"
    "$python" -m lambdas.api.bundle --output "$bundle_dir"
fi

started_ns=$(date +%s%N)
node_modules/.bin/cdk synth -q --no-notices -c "apiBundleDir=$bundle_dir" "$@"
elapsed_ms=$(( ($(date +%s%N) - started_ns) / 1000000 ))
echo "cdk synth finished in ${elapsed_ms} ms; templates and assets are in cdk.out/"
