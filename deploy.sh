#!/usr/bin/env bash
# Install govhook in an account: validate, build the arm64 package, upload it, deploy template.yml.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: deploy.sh [options]

Validates the policy and template.yml before touching the account, builds the Lambda package
(arm64, python3.13; boto3 left out: the runtime has it), uploads it under a content-hash key to
an artifact bucket (created if needed: encrypted, public access blocked, tagged created-by=govhook),
and deploys the stack with a change set. Re-running with nothing changed succeeds.

Options:
  --stack-name NAME          stack name (default: govhook)
  --region REGION            AWS region (default: from the AWS CLI configuration)
  --profile PROFILE          AWS CLI profile
  --bucket BUCKET            artifact bucket (default: govhook-artifacts-<account>-<region>)
  --policy FILE              policy bundled as the hook's policy (default: policies/default.policy.yaml)
  --failure-mode FAIL|WARN   hook failure mode (default: FAIL; WARN for a first rollout)
  --allowed-runtimes LIST    comma-separated initial runtime allow-list (SSM StringList)
  --dry-run                  print the plan; change nothing
  -h, --help                 this help

Environment: AWS_ENDPOINT_URL is honoured (tests point it at moto's server); GOVHOOK and
CFN_LINT name the govhook and cfn-lint commands; PYTHON the interpreter used to build.
EOF
}

die() { echo "deploy.sh: error: $*" >&2; exit 1; }

STACK_NAME=govhook
REGION=""
PROFILE=""
BUCKET=""
POLICY=policies/default.policy.yaml
FAILURE_MODE=FAIL
ALLOWED_RUNTIMES=""
DRY_RUN=0

while [ $# -gt 0 ]; do
  case "$1" in
    --stack-name) STACK_NAME=${2:?--stack-name needs a value}; shift 2 ;;
    --region) REGION=${2:?--region needs a value}; shift 2 ;;
    --profile) PROFILE=${2:?--profile needs a value}; shift 2 ;;
    --bucket) BUCKET=${2:?--bucket needs a value}; shift 2 ;;
    --policy) POLICY=${2:?--policy needs a value}; shift 2 ;;
    --failure-mode) FAILURE_MODE=${2:?--failure-mode needs a value}; shift 2 ;;
    --allowed-runtimes) ALLOWED_RUNTIMES=${2:?--allowed-runtimes needs a value}; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

case "$FAILURE_MODE" in FAIL|WARN) ;; *) die "--failure-mode must be FAIL or WARN, got '$FAILURE_MODE'" ;; esac
[[ "$STACK_NAME" =~ ^[A-Za-z][A-Za-z0-9-]{0,127}$ ]] || die "--stack-name '$STACK_NAME' is not a valid stack name"

HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
GOVHOOK=${GOVHOOK:-govhook}
CFN_LINT=${CFN_LINT:-cfn-lint}
PYTHON=${PYTHON:-python3}

for tool in aws "$GOVHOOK" "$CFN_LINT" "$PYTHON"; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed or not on PATH"
done
[ -f "$POLICY" ] || die "policy file $POLICY not found"

AWS=(aws)
[ -n "$REGION" ] && AWS+=(--region "$REGION")
[ -n "$PROFILE" ] && AWS+=(--profile "$PROFILE")

echo "==> validating the policy and the template (nothing in the account changes before this passes)"
"$GOVHOOK" policy validate "$POLICY" || die "the policy $POLICY is invalid (see above)"
"$CFN_LINT" template.yml || die "template.yml does not pass cfn-lint (see above)"

echo "==> checking credentials"
ACCOUNT=$("${AWS[@]}" sts get-caller-identity --query Account --output text) || die "no usable AWS credentials"
[ -n "$REGION" ] || REGION=$("${AWS[@]}" configure get region || true)
[ -n "$REGION" ] || REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
[ -n "$REGION" ] || die "no region: pass --region or configure one"
AWS=(aws --region "$REGION")
[ -n "$PROFILE" ] && AWS+=(--profile "$PROFILE")
[ -n "$BUCKET" ] || BUCKET="govhook-artifacts-${ACCOUNT}-${REGION}"

BUILD="$HERE/build"
PACKAGE="$BUILD/package"
ZIP="$BUILD/govhook.zip"

if [ "$DRY_RUN" = 1 ]; then
  cat <<EOF
==> dry run: nothing was changed. The plan:
  account/region:   $ACCOUNT / $REGION
  build:            $ZIP (arm64, python3.13, hook/ + $POLICY bundled as policies/active.policy.yaml)
  artifact bucket:  s3://$BUCKET (created if missing: encrypted, public access blocked, tagged created-by=govhook)
  upload:           s3://$BUCKET/govhook/<sha256 of the zip>.zip
  stack:            $STACK_NAME from template.yml (FailureMode=$FAILURE_MODE)
EOF
  exit 0
fi

echo "==> building the Lambda package for arm64 / python3.13"
rm -rf "$PACKAGE" "$ZIP"
mkdir -p "$PACKAGE"
"$PYTHON" -m pip install --quiet --disable-pip-version-check --no-compile \
  --platform manylinux2014_aarch64 --implementation cp --python-version 3.13 --only-binary=:all: \
  --target "$PACKAGE" "PyYAML>=6.0" "aws-lambda-powertools>=3.0" \
  || die "could not download the arm64 wheels (pip install --platform manylinux2014_aarch64)"
rm -rf "${PACKAGE:?}"/boto3* "${PACKAGE:?}"/botocore* "${PACKAGE:?}"/s3transfer* "${PACKAGE:?}"/jmespath* "${PACKAGE:?}"/bin
cp -R hook "$PACKAGE/hook"
find "$PACKAGE/hook" -name '__pycache__' -prune -exec rm -rf {} +
mkdir -p "$PACKAGE/policies"
cp "$POLICY" "$PACKAGE/policies/active.policy.yaml"
cp policies/default.policy.yaml "$PACKAGE/policies/default.policy.yaml"
"$PYTHON" - "$PACKAGE" "$ZIP" <<'PY'
import os, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            info = zipfile.ZipInfo(os.path.relpath(path, src), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as fh:
                zf.writestr(info, fh.read())
PY
SIZE=$(wc -c < "$ZIP" | tr -d ' ')
HASH=$("$PYTHON" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$ZIP")
echo "    package: $ZIP, $SIZE bytes ($(( SIZE / 1024 )) KiB zipped)"
[ "$SIZE" -lt 2097152 ] || die "the package is $SIZE bytes; it must stay under 2 MB"

echo "==> artifact bucket s3://$BUCKET"
if ! "${AWS[@]}" s3api head-bucket --bucket "$BUCKET" >/dev/null 2>&1; then
  if [ "$REGION" = us-east-1 ]; then
    "${AWS[@]}" s3api create-bucket --bucket "$BUCKET" >/dev/null
  else
    "${AWS[@]}" s3api create-bucket --bucket "$BUCKET" --create-bucket-configuration "LocationConstraint=$REGION" >/dev/null
  fi
  "${AWS[@]}" s3api put-bucket-encryption --bucket "$BUCKET" \
    --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'
  "${AWS[@]}" s3api put-public-access-block --bucket "$BUCKET" --public-access-block-configuration \
    BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
  "${AWS[@]}" s3api put-bucket-tagging --bucket "$BUCKET" --tagging 'TagSet=[{Key=created-by,Value=govhook}]'
  echo "    created (encrypted, public access blocked, tagged created-by=govhook)"
fi
KEY="govhook/$HASH.zip"
"${AWS[@]}" s3 cp --only-show-errors "$ZIP" "s3://$BUCKET/$KEY"
echo "    uploaded s3://$BUCKET/$KEY"

echo "==> deploying stack $STACK_NAME"
PARAMS=("CodeBucket=$BUCKET" "CodeKey=$KEY" "FailureMode=$FAILURE_MODE" "PolicyLocation=policies/active.policy.yaml")
[ -n "$ALLOWED_RUNTIMES" ] && PARAMS+=("AllowedRuntimes=$ALLOWED_RUNTIMES")
if ! OUT=$("${AWS[@]}" cloudformation deploy --template-file template.yml --stack-name "$STACK_NAME" \
  --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
  --tags created-by=govhook --parameter-overrides "${PARAMS[@]}" 2>&1); then
  # Some endpoints refuse an empty change set outright instead of reporting it: nothing to do.
  case "$OUT" in
    *"No updates are to be performed"*) OUT="No changes to deploy: stack $STACK_NAME is up to date." ;;
    *) echo "$OUT" >&2; die "the deployment of $STACK_NAME failed (see above); cleanup.sh removes what was made" ;;
  esac
fi
echo "$OUT"

HOOK_ARN=$("${AWS[@]}" cloudformation describe-stacks --stack-name "$STACK_NAME" \
  --query "Stacks[0].Outputs[?OutputKey=='HookArn'].OutputValue" --output text)
[ "$HOOK_ARN" != None ] || HOOK_ARN="(not reported by this endpoint)"
echo
echo "govhook is installed: hook $HOOK_ARN (FailureMode=$FAILURE_MODE)"
echo "Next: deploy sample/lambda_template.yml (passes) and sample/lambda_template_noncompliant.yml (blocked),"
echo "      then 'govhook check' your own templates; cleanup.sh removes everything this script made."
