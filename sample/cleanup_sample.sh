#!/usr/bin/env bash
# Delete a sample stack deployed by sample/deploy_sample.sh (also one a hook blocked).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: sample/cleanup_sample.sh [--template FILE | --stack-name NAME] [--region REGION] [--profile PROFILE]

Deletes the sample stack and waits: the stack deploy_sample.sh named after --template (default
sample/lambda_template.yml, stack sample-hello), or --stack-name. A stack left in
ROLLBACK_COMPLETE by a blocked create is deleted the same way. Safe to run twice.
Honours AWS_ENDPOINT_URL.
EOF
}

die() { echo "cleanup_sample.sh: error: $*" >&2; exit 1; }

HERE=$(cd "$(dirname "$0")" && pwd)
TEMPLATE="$HERE/lambda_template.yml"
STACK_NAME=""
REGION=""
PROFILE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --template) TEMPLATE=${2:?--template needs a value}; shift 2 ;;
    --stack-name) STACK_NAME=${2:?--stack-name needs a value}; shift 2 ;;
    --region) REGION=${2:?--region needs a value}; shift 2 ;;
    --profile) PROFILE=${2:?--profile needs a value}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

if [ -z "$STACK_NAME" ]; then
  base=$(basename "$TEMPLATE"); base=${base%.*}
  case "$base" in
    lambda_template) STACK_NAME=sample-hello ;;
    lambda_template_*) STACK_NAME="sample-hello-${base#lambda_template_}" ;;
    *) STACK_NAME="sample-$base" ;;
  esac
  STACK_NAME=$(tr '_' '-' <<<"$STACK_NAME")
fi
command -v aws >/dev/null 2>&1 || die "'aws' is not installed or not on PATH"
AWS=(aws)
[ -n "$REGION" ] && AWS+=(--region "$REGION")
[ -n "$PROFILE" ] && AWS+=(--profile "$PROFILE")

if ! "${AWS[@]}" cloudformation describe-stacks --stack-name "$STACK_NAME" >/dev/null 2>&1; then
  echo "stack $STACK_NAME: not there"
  exit 0
fi
echo "==> deleting stack $STACK_NAME"
"${AWS[@]}" cloudformation delete-stack --stack-name "$STACK_NAME"
"${AWS[@]}" cloudformation wait stack-delete-complete --stack-name "$STACK_NAME" || die "stack $STACK_NAME did not delete (see its events)"
echo "stack $STACK_NAME deleted."
