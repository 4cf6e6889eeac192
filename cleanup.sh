#!/usr/bin/env bash
# Remove everything deploy.sh made: the stack, and the artifact bucket if govhook created it.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: cleanup.sh [--stack-name NAME] [--region REGION] [--profile PROFILE] [--bucket BUCKET]

Deletes the govhook stack and waits for it, then empties and deletes the artifact bucket only if
it carries the tag created-by=govhook (a bucket you brought is left alone), and removes build/.
Safe to run twice, or after a failed deploy. Honours AWS_ENDPOINT_URL.
EOF
}

die() { echo "cleanup.sh: error: $*" >&2; exit 1; }

STACK_NAME=govhook
REGION=""
PROFILE=""
BUCKET=""
while [ $# -gt 0 ]; do
  case "$1" in
    --stack-name) STACK_NAME=${2:?--stack-name needs a value}; shift 2 ;;
    --region) REGION=${2:?--region needs a value}; shift 2 ;;
    --profile) PROFILE=${2:?--profile needs a value}; shift 2 ;;
    --bucket) BUCKET=${2:?--bucket needs a value}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

command -v aws >/dev/null 2>&1 || die "'aws' is not installed or not on PATH"
HERE=$(cd "$(dirname "$0")" && pwd)
AWS=(aws)
[ -n "$REGION" ] && AWS+=(--region "$REGION")
[ -n "$PROFILE" ] && AWS+=(--profile "$PROFILE")
ACCOUNT=$("${AWS[@]}" sts get-caller-identity --query Account --output text) || die "no usable AWS credentials"
[ -n "$REGION" ] || REGION=$("${AWS[@]}" configure get region || true)
[ -n "$REGION" ] || REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
[ -n "$REGION" ] || die "no region: pass --region or configure one"
AWS=(aws --region "$REGION")
[ -n "$PROFILE" ] && AWS+=(--profile "$PROFILE")
[ -n "$BUCKET" ] || BUCKET="govhook-artifacts-${ACCOUNT}-${REGION}"

if "${AWS[@]}" cloudformation describe-stacks --stack-name "$STACK_NAME" >/dev/null 2>&1; then
  echo "==> deleting stack $STACK_NAME"
  "${AWS[@]}" cloudformation delete-stack --stack-name "$STACK_NAME"
  "${AWS[@]}" cloudformation wait stack-delete-complete --stack-name "$STACK_NAME" || die "stack $STACK_NAME did not delete"
else
  echo "==> stack $STACK_NAME: not there"
fi

if "${AWS[@]}" s3api head-bucket --bucket "$BUCKET" >/dev/null 2>&1; then
  TAG=$("${AWS[@]}" s3api get-bucket-tagging --bucket "$BUCKET" \
        --query "TagSet[?Key=='created-by'].Value" --output text 2>/dev/null || true)
  if [ "$TAG" = govhook ]; then
    echo "==> emptying and deleting bucket $BUCKET (created by govhook)"
    "${AWS[@]}" s3 rm --only-show-errors --recursive "s3://$BUCKET"
    "${AWS[@]}" s3api delete-bucket --bucket "$BUCKET"
  else
    echo "==> bucket $BUCKET was not created by govhook: left alone (remove govhook/*.zip yourself)"
  fi
else
  echo "==> bucket $BUCKET: not there"
fi

rm -rf "$HERE/build"
echo "govhook removed from $ACCOUNT/$REGION."
