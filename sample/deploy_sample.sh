#!/usr/bin/env bash
# Deploy a sample Lambda stack and say what govhook is expected to do with it.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: sample/deploy_sample.sh [--template FILE] [--stack-name NAME] [--region REGION] [--profile PROFILE]
                               [--policy FILE]

Deploys a sample stack with the AWS CLI (a change set, CAPABILITY_IAM) in an account where
deploy.sh installed govhook, after printing the expected outcome (govhook check with --policy,
default policies/default.policy.yaml, the policy deploy.sh publishes by default):

  sample/lambda_template.yml                  hello world on nodejs22.x     expected: CREATE_COMPLETE
  sample/lambda_template_noncompliant.yml     the same on nodejs18.x        expected: blocked by the hook
  sample/lambda_template_memory.yml           the same with 4096 MB         expected: blocked by the hook

The stack is named sample-hello (sample-hello-<suffix> for lambda_template_<suffix>.yml) unless
--stack-name says otherwise (not the governance stack's own name: the hooks skip that one stack). Exit 0 when the stack deployed, 1 when it did not (a blocked
create leaves it in ROLLBACK_COMPLETE: sample/cleanup_sample.sh removes it). Honours AWS_ENDPOINT_URL.
EOF
}

die() { echo "deploy_sample.sh: error: $*" >&2; exit 1; }

HERE=$(cd "$(dirname "$0")" && pwd)
TEMPLATE="$HERE/lambda_template.yml"
STACK_NAME=""
REGION=""
PROFILE=""
POLICY="$HERE/../policies/default.policy.yaml"
while [ $# -gt 0 ]; do
  case "$1" in
    --template) TEMPLATE=${2:?--template needs a value}; shift 2 ;;
    --stack-name) STACK_NAME=${2:?--stack-name needs a value}; shift 2 ;;
    --region) REGION=${2:?--region needs a value}; shift 2 ;;
    --profile) PROFILE=${2:?--profile needs a value}; shift 2 ;;
    --policy) POLICY=${2:?--policy needs a value}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

[ -f "$TEMPLATE" ] || die "template $TEMPLATE not found"
if [ -z "$STACK_NAME" ]; then
  base=$(basename "$TEMPLATE"); base=${base%.*}
  case "$base" in
    lambda_template) STACK_NAME=sample-hello ;;
    lambda_template_*) STACK_NAME="sample-hello-${base#lambda_template_}" ;;
    *) STACK_NAME="sample-$base" ;;
  esac
  STACK_NAME=$(tr '_' '-' <<<"$STACK_NAME")
fi
[[ "$STACK_NAME" =~ ^[A-Za-z][A-Za-z0-9-]{0,127}$ ]] || die "'$STACK_NAME' is not a valid stack name: pass --stack-name"
command -v aws >/dev/null 2>&1 || die "'aws' is not installed or not on PATH"
AWS=(aws)
[ -n "$REGION" ] && AWS+=(--region "$REGION")
[ -n "$PROFILE" ] && AWS+=(--profile "$PROFILE")

# The expectation comes from the same engine the hook runs, on this machine.
GOVHOOK=${GOVHOOK:-govhook}
[ -x "$HERE/../.venv/bin/govhook" ] && ! command -v "$GOVHOOK" >/dev/null 2>&1 && GOVHOOK="$HERE/../.venv/bin/govhook"
EXPECT_BLOCKED=""
if command -v "$GOVHOOK" >/dev/null 2>&1; then
  set +e
  "$GOVHOOK" check --policy "$POLICY" --stack-name "$STACK_NAME" "$TEMPLATE" >/dev/null 2>&1
  rc=$?
  set -e
  case "$rc" in
    0) EXPECT_BLOCKED=0; echo "expected: CREATE_COMPLETE (govhook check passes it with $(basename "$POLICY"))" ;;
    1) EXPECT_BLOCKED=1; echo "expected: blocked by the hook, see \`govhook results $STACK_NAME\`"
       echo "          (govhook check $TEMPLATE shows the same findings now)" ;;
    *) die "govhook check could not read $TEMPLATE (exit $rc): run it to see why" ;;
  esac
else
  echo "expected: unknown (govhook is not installed here; 'make venv' installs it)"
fi

echo "==> deploying $TEMPLATE as stack $STACK_NAME"
if OUT=$("${AWS[@]}" cloudformation deploy --template-file "$TEMPLATE" --stack-name "$STACK_NAME" \
         --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset --tags created-by=govhook-sample 2>&1); then
  echo "$OUT"
  STATUS=$("${AWS[@]}" cloudformation describe-stacks --stack-name "$STACK_NAME" --query 'Stacks[0].StackStatus' --output text)
  echo "result: $STATUS"
  if [ "$EXPECT_BLOCKED" = 1 ]; then
    echo "note: the hook did not block it. Is govhook installed in this account and region, in FAIL mode"
    echo "      (a WARN rollout only reports)? Its findings are still in \`govhook results $STACK_NAME\`."
  fi
  echo "Remove it: sample/cleanup_sample.sh --stack-name $STACK_NAME"
  exit 0
fi
echo "$OUT" >&2
STATUS=$("${AWS[@]}" cloudformation describe-stacks --stack-name "$STACK_NAME" --query 'Stacks[0].StackStatus' --output text 2>/dev/null || echo "not created")
echo "result: $STATUS"
if [ "$EXPECT_BLOCKED" = 1 ]; then
  echo "As expected, the deployment did not go through. Why: govhook results $STACK_NAME"
else
  echo "The deployment failed. If the stack events say \"The following hook(s) failed\": govhook results $STACK_NAME"
fi
echo "Remove it: sample/cleanup_sample.sh --stack-name $STACK_NAME"
exit 1
