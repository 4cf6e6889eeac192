#!/usr/bin/env bash
# Install govhook in an account (a stack), or in an organization's OUs (a service-managed StackSet):
# validate, build the arm64 package, upload it, publish the policy, deploy template.yml.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: deploy.sh [options]
       deploy.sh --org-units OU... --regions REGION... [options]

Validates the policy and template.yml before touching the account, builds the Lambda package
(arm64, python3.13; the dependencies pinned in hook/handler/requirements.txt, kept in
${XDG_CACHE_HOME:-~/.cache}/govhook/lambda-deps for re-runs; boto3 left out: the runtime has it), uploads it under a content-hash key to
an artifact bucket (created if needed: encrypted, public access blocked, tagged created-by=govhook),
publishes the policy to SSM and deploys the stack with a change set. Re-running with nothing
changed succeeds. cleanup.sh removes everything this script made.

Options:
  --stack-name NAME          stack name, or StackSet name with --org-units (default: govhook)
  --region REGION            AWS region (default: from the AWS CLI configuration)
  --profile PROFILE          AWS CLI profile
  --bucket BUCKET            artifact bucket (default: govhook-artifacts-<account>-<region>)
  --policy FILE              the hook's policy, validated first (default: policies/default.policy.yaml)
  --policy-parameter NAME    SSM parameter the policy is published to, as compact JSON (default:
                             /govhook/policy); Standard tier up to 4 KB, Advanced up to 8 KB
  --bundled-policy           do not publish: the hook reads the policy bundled in its package
  --policy-s3 s3://BUCKET/KEY  upload the policy to one object the hook reads (one policy for many
                             accounts: the bucket, yours, must let them read it, e.g. aws:PrincipalOrgID)
  --failure-mode FAIL|WARN   hook failure mode (default: FAIL; WARN for a first rollout)
  --allowed-runtimes LIST    comma-separated runtime allow-list (the /govhook/allowed-runtimes StringList)
  --dry-run                  print the plan and the AWS CLI calls that would change something; change nothing
  -h, --help                 this help

Many accounts (run from the management or a delegated administrator account):
  --org-units OU...          deploy a service-managed StackSet (auto-deployment on) to these OUs
  --delegated-admin          run as a StackSets delegated administrator (--call-as DELEGATED_ADMIN)
  --regions REGION...        ... in these regions (one artifact bucket per region, readable by the
                             organization through aws:PrincipalOrgID). The policy is bundled in the
                             package (member accounts have no /govhook/policy), or --policy-s3.
  --include-management-account
                             also deploy the plain stack (same name, same regions) in the management
                             account: a service-managed StackSet never deploys there (run from it)
  --policy-s3-owner ACCOUNT  the account that owns the --policy-s3 bucket (default: this account)

Every S3 call names the bucket's expected owner (--expected-bucket-owner): a bucket of that name
in another account is refused, never written to.

Environment: AWS_ENDPOINT_URL is honoured (tests point it at moto's server); GOVHOOK and
CFN_LINT name the govhook and cfn-lint commands; PYTHON the interpreter used to build;
GOVHOOK_POLL_SECONDS how often StackSet operations are polled (default 15); GOVHOOK_BUILD_DIR where the
package is built (default build/, which cleanup.sh removes).
EOF
}

die() { echo "deploy.sh: error: $*" >&2; exit 1; }

STACK_NAME=govhook
REGION=""
PROFILE=""
BUCKET=""
POLICY=policies/default.policy.yaml
POLICY_PARAM=/govhook/policy
PUBLISH_POLICY=1
POLICY_S3=""
FAILURE_MODE=FAIL
ALLOWED_RUNTIMES=""
DRY_RUN=0
ORG_UNITS=()
CALL_AS=()
REGIONS=()
INCLUDE_MANAGEMENT=0
POLICY_S3_OWNER=""

while [ $# -gt 0 ]; do
  case "$1" in
    --stack-name) STACK_NAME=${2:?--stack-name needs a value}; shift 2 ;;
    --region) REGION=${2:?--region needs a value}; shift 2 ;;
    --profile) PROFILE=${2:?--profile needs a value}; shift 2 ;;
    --bucket) BUCKET=${2:?--bucket needs a value}; shift 2 ;;
    --policy) POLICY=${2:?--policy needs a value}; shift 2 ;;
    --policy-parameter) POLICY_PARAM=${2:?--policy-parameter needs a value}; shift 2 ;;
    --bundled-policy) PUBLISH_POLICY=0; shift ;;
    --policy-s3) POLICY_S3=${2:?--policy-s3 needs a value}; shift 2 ;;
    --failure-mode) FAILURE_MODE=${2:?--failure-mode needs a value}; shift 2 ;;
    --allowed-runtimes) ALLOWED_RUNTIMES=${2:?--allowed-runtimes needs a value}; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    --org-units|--regions)
      opt=$1; shift
      if [ $# -eq 0 ] || [[ "$1" == -* ]]; then die "$opt needs at least one value"; fi
      while [ $# -gt 0 ] && [[ "$1" != -* ]]; do
        IFS=, read -r -a vals <<<"$1"
        if [ "$opt" = --org-units ]; then ORG_UNITS+=("${vals[@]}"); else REGIONS+=("${vals[@]}"); fi
        shift
      done ;;
    --delegated-admin) CALL_AS=(--call-as DELEGATED_ADMIN); shift ;;
    --include-management-account) INCLUDE_MANAGEMENT=1; shift ;;
    --policy-s3-owner) POLICY_S3_OWNER=${2:?--policy-s3-owner needs a value}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

case "$FAILURE_MODE" in FAIL|WARN) ;; *) die "--failure-mode must be FAIL or WARN, got '$FAILURE_MODE'" ;; esac
[[ "$STACK_NAME" =~ ^[A-Za-z][A-Za-z0-9-]{0,127}$ ]] || die "--stack-name '$STACK_NAME' is not a valid stack name"
# SSM: letters, digits, _ . - and /; a hierarchical name starts with /; nothing starting with aws or ssm.
if [[ ! "$POLICY_PARAM" =~ ^/?[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$ ]] \
   || { [[ "$POLICY_PARAM" == */* ]] && [[ "$POLICY_PARAM" != /* ]]; } \
   || [[ "$(tr '[:upper:]' '[:lower:]' <<<"${POLICY_PARAM#/}")" =~ ^(aws|ssm) ]]; then
  die "--policy-parameter '$POLICY_PARAM' is not a valid SSM parameter name (e.g. /govhook/policy)"
fi
if [ -n "$POLICY_S3" ]; then
  [[ "$POLICY_S3" =~ ^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+$ ]] || die "--policy-s3 must be s3://bucket/key, got '$POLICY_S3'"
  PUBLISH_POLICY=0
fi
[[ "$ALLOWED_RUNTIMES" =~ ^[A-Za-z0-9.,_-]*$ ]] || die "--allowed-runtimes must be a comma-separated list, got '$ALLOWED_RUNTIMES'"

ORG_MODE=0
if [ ${#CALL_AS[@]} -gt 0 ] && [ ${#ORG_UNITS[@]} -eq 0 ]; then die "--delegated-admin applies to a StackSet rollout (--org-units)"; fi
if [ "$INCLUDE_MANAGEMENT" = 1 ] && [ ${#ORG_UNITS[@]} -eq 0 ]; then die "--include-management-account applies to a StackSet rollout (--org-units): without it deploy.sh deploys the plain stack in this account"; fi
if [ "$INCLUDE_MANAGEMENT" = 1 ] && [ ${#CALL_AS[@]} -gt 0 ]; then die "--include-management-account deploys in this account, the management account: run it there, not as a delegated administrator"; fi
if [ -n "$POLICY_S3_OWNER" ]; then
  [[ "$POLICY_S3_OWNER" =~ ^[0-9]{12}$ ]] || die "--policy-s3-owner must be a 12-digit account id, got '$POLICY_S3_OWNER'"
  [ -n "$POLICY_S3" ] || die "--policy-s3-owner applies to --policy-s3"
fi
if [ ${#ORG_UNITS[@]} -gt 0 ] || [ ${#REGIONS[@]} -gt 0 ]; then
  ORG_MODE=1
  [ ${#ORG_UNITS[@]} -gt 0 ] || die "--regions needs --org-units (a StackSet targets OUs in regions)"
  [ ${#REGIONS[@]} -gt 0 ] || die "--org-units needs --regions (a StackSet targets OUs in regions)"
  for ou in "${ORG_UNITS[@]}"; do
    [[ "$ou" =~ ^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$ ]] || die "'$ou' is not an OU id (ou-xxxx-xxxxxxxx) or root id (r-xxxx)"
  done
  for r in "${REGIONS[@]}"; do
    [[ "$r" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]] || die "'$r' is not a region name"
  done
  # Member stacks are named StackSet-<name>-<36-char id>; the function is <stack name>-hook (64 max).
  [ ${#STACK_NAME} -le 13 ] || die "--stack-name '$STACK_NAME' is too long for a StackSet (13 characters at most: the function name <stack>-hook must fit 64)"
  [ -z "$BUCKET" ] || die "--bucket does not apply with --org-units: one bucket per region is named govhook-artifacts-<account>-<region>"
  PUBLISH_POLICY=0
fi

# A relative GOVHOOK_BUILD_DIR is relative to where the script was started, not to the checkout.
case "${GOVHOOK_BUILD_DIR:-}" in ""|/*) ;; *) GOVHOOK_BUILD_DIR="$PWD/$GOVHOOK_BUILD_DIR" ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
GOVHOOK=${GOVHOOK:-govhook}
CFN_LINT=${CFN_LINT:-cfn-lint}
PYTHON=${PYTHON:-python3}
POLL=${GOVHOOK_POLL_SECONDS:-15}

for tool in aws "$GOVHOOK" "$CFN_LINT" "$PYTHON"; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed or not on PATH"
done
[ -f "$POLICY" ] || die "policy file $POLICY not found"

AWS=(aws)
[ -n "$REGION" ] && AWS+=(--region "$REGION")
[ -n "$PROFILE" ] && AWS+=(--profile "$PROFILE")

echo "==> validating the policy and the template (nothing in the account changes before this passes)"
"$GOVHOOK" policy validate "$POLICY" || die "the policy $POLICY is invalid (see above)"
# What the hook reads is the validated policy as compact JSON: no comments, half the bytes (the
# default policy fits SSM's Standard tier), and no PyYAML import on the hook's cold start.
POLICY_COMPACT=$("$PYTHON" -c 'import sys; from hook.core.policy import policy_json; sys.stdout.write(policy_json(sys.argv[1]))' "$POLICY") \
  || die "could not convert $POLICY to JSON"
POLICY_BYTES=$(printf '%s' "$POLICY_COMPACT" | wc -c | tr -d ' ')
if [ "$PUBLISH_POLICY" = 1 ] && [ "$POLICY_BYTES" -gt 8192 ]; then
  die "the policy is $POLICY_BYTES bytes as JSON; an SSM parameter holds 8 KB at most (Advanced tier): use --bundled-policy or --policy-s3"
fi
# cfn-lint on template.yml, once per template and cfn-lint version: a template this cfn-lint passed
# before (a marker in the user's cache, keyed on both) is not linted again. A cfn-lint whose version
# cannot be read from its Python (a wrapper, a binary) is always run.
lint_template() {
  local exe py key marker
  exe=$(command -v "$CFN_LINT" || true)
  py=""
  if [ -f "$exe" ]; then py=$(sed -n '1s/^#!\([^ ]*python[0-9.]*\)$/\1/p' "$exe"); fi
  if [ -n "$py" ] && [ -x "$py" ] && key=$("$py" -c 'import hashlib, importlib.metadata as m
print(m.version("cfn-lint") + "-" + hashlib.sha256(open("template.yml", "rb").read()).hexdigest())' 2>/dev/null); then
    marker="${XDG_CACHE_HOME:-$HOME/.cache}/govhook/cfn-lint/$key"
    if [ -f "$marker" ]; then
      echo "    template.yml passed cfn-lint ${key%%-*} before, unchanged: not linted again"
      return 0
    fi
    "$CFN_LINT" template.yml || return 1
    if mkdir -p "${marker%/*}" 2>/dev/null; then : >"$marker" 2>/dev/null || true; fi
    return 0
  fi
  "$CFN_LINT" template.yml
}
lint_template || die "template.yml does not pass cfn-lint (see above)"

echo "==> checking credentials"
CALLER=$("${AWS[@]}" sts get-caller-identity --query '[Account,Arn]' --output text) || die "no usable AWS credentials"
ACCOUNT=${CALLER%%$'\t'*}
PARTITION=$(cut -d: -f2 <<<"${CALLER#*$'\t'}")
[ -n "$PARTITION" ] || PARTITION=aws
# The region the AWS CLI itself would use: an environment variable overrides the profile's setting
# (docs/deploy.md cites the precedence), so the configuration is asked only when neither is set.
[ -n "$REGION" ] || REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
[ -n "$REGION" ] || REGION=$("${AWS[@]}" configure get region || true)
[ -n "$REGION" ] || die "no region: pass --region or configure one"
AWS=(aws --region "$REGION")
[ -n "$PROFILE" ] && AWS+=(--profile "$PROFILE")
AWS_BASE=(aws)
[ -n "$PROFILE" ] && AWS_BASE+=(--profile "$PROFILE")
BUCKET_PREFIX="govhook-artifacts-${ACCOUNT}"
[ -n "$BUCKET" ] || BUCKET="${BUCKET_PREFIX}-${REGION}"
[ -n "$POLICY_S3_OWNER" ] || POLICY_S3_OWNER=$ACCOUNT

# bucket_state BUCKET REGION OWNER: "exists", "missing", or dies when a bucket of that name exists
# and is not OWNER's (S3 answers 403 to head-bucket with --expected-bucket-owner: never write there).
bucket_state() {
  local bucket=$1 region=$2 owner=$3 err
  if err=$("${AWS_BASE[@]}" --region "$region" s3api head-bucket --bucket "$bucket" --expected-bucket-owner "$owner" 2>&1 >/dev/null); then
    echo exists
  elif [[ "$err" == *"Not Found"* || "$err" == *"404"* || "$err" == *NoSuchBucket* ]]; then
    echo missing
  else
    die "s3://$bucket exists but is not owned by account $owner, or this account may not read it ($(tr '\n' ' ' <<<"$err" | cut -c1-200)): choose another bucket name"
  fi
}

# Every call that changes the account goes through act: a dry run prints it instead.
exec 3>&1
act() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '    would run:' >&3; printf ' %q' "$@" >&3; echo >&3
  else
    "$@"
  fi
}

# (Before the build: a parameter or policy bucket that stops the deployment stops it at once.)
# The policy the function reads, and the tier its parameter needs.
if [ "$PUBLISH_POLICY" = 1 ]; then
  TIER=Standard
  [ "$POLICY_BYTES" -le 4096 ] || TIER=Advanced
  EXISTING_TIER=$("${AWS[@]}" ssm describe-parameters --parameter-filters "Key=Name,Values=$POLICY_PARAM" \
                  --query 'Parameters[0].Tier' --output text 2>/dev/null || true)
  # An Advanced parameter can never go back to Standard (AWS): keep it Advanced.
  [ "$EXISTING_TIER" = Advanced ] && TIER=Advanced
  if [ -n "$EXISTING_TIER" ] && [ "$EXISTING_TIER" != None ]; then
    OWNER=$("${AWS[@]}" ssm list-tags-for-resource --resource-type Parameter --resource-id "$POLICY_PARAM" \
            --query "TagList[?Key=='created-by'].Value" --output text 2>/dev/null || true)
    [ "$OWNER" = govhook ] || die "ssm:$POLICY_PARAM exists and was not published by govhook (no tag created-by=govhook): choose another --policy-parameter"
  fi
  POLICY_SOURCE="ssm:$POLICY_PARAM ($TIER tier, $POLICY_BYTES bytes from $POLICY; also bundled as the fallback)"
  POLICY_PARAM_VALUE=$POLICY_PARAM
elif [ -n "$POLICY_S3" ]; then
  POLICY_BUCKET=${POLICY_S3#s3://}; POLICY_BUCKET=${POLICY_BUCKET%%/*}
  [ "$(bucket_state "$POLICY_BUCKET" "$REGION" "$POLICY_S3_OWNER")" = exists ] \
    || die "--policy-s3: bucket $POLICY_BUCKET is not there; create it (with a bucket policy that lets the accounts read the object) first"
  POLICY_SOURCE="$POLICY_S3 (uploaded from $POLICY; also bundled as the fallback)"
  POLICY_PARAM_VALUE=""
else
  POLICY_SOURCE="bundled: policies/active.policy.json (from $POLICY)"
  POLICY_PARAM_VALUE=""
fi
if [ -n "$POLICY_S3" ]; then
  POLICY_S3_OBJECT=${POLICY_S3#s3://}
  POLICY_S3_KEY=${POLICY_S3_OBJECT#*/}
else
  POLICY_S3_OBJECT=""
fi

# GOVHOOK_BUILD_DIR: where the package is built (default build/ here; cleanup.sh removes it).
BUILD=${GOVHOOK_BUILD_DIR:-$HERE/build}
if [ "$DRY_RUN" = 1 ]; then
  BUILD=$(mktemp -d)
  trap 'rm -rf "$BUILD"' EXIT
fi
PACKAGE="$BUILD/package"
ZIP="$BUILD/govhook.zip"

# compile_bytecode DIR: .pyc files beside the sources. /var/task is read-only, so without them Lambda
# compiles every module it imports on every cold start (govhook, PyYAML and Powertools; measured in
# bench/README.md), and CloudFormation waits on it. They must come from the runtime's Python (3.13);
# unchecked-hash ones are used without comparing timestamps, which a zip does not keep.
compile_bytecode() {
  if "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))'; then
    "$PYTHON" -m compileall -q -j 0 --invalidation-mode unchecked-hash "$1" >/dev/null \
      || die "could not compile the package's bytecode"
  elif [ -z "${COMPILE_NOTE:-}" ]; then
    COMPILE_NOTE=1
    echo "    note: $PYTHON is not Python 3.13: the package ships sources only (compiled at each cold start)"
  fi
}

echo "==> building the Lambda package for arm64 / python3.13"
rm -rf "$PACKAGE" "$ZIP"
mkdir -p "$PACKAGE"
# The dependencies: exactly hook/handler/requirements.txt, trimmed (below) and compiled, kept in the
# user's cache under a key of the requirements, this script and the interpreter's version, so a
# re-run or a dry run copies them instead of asking pip again. Remove the directory to rebuild them.
DEPS_KEY=$("$PYTHON" - hook/handler/requirements.txt "$HERE/deploy.sh" <<'PY'
import hashlib, sys
h = hashlib.sha256(b"%d.%d\0" % sys.version_info[:2])
for path in sys.argv[1:]:
    with open(path, "rb") as fh:
        h.update(fh.read() + b"\0")
print(h.hexdigest()[:32])
PY
) || die "could not read hook/handler/requirements.txt"
DEPS_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/govhook/lambda-deps/$DEPS_KEY"
if [ -f "$DEPS_CACHE/.complete" ]; then
  cp -R "$DEPS_CACHE/." "$PACKAGE/"
  rm -f "$PACKAGE/.complete"
  echo "    dependencies: from $DEPS_CACHE"
else
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --no-compile --no-deps \
    --platform manylinux2014_aarch64 --implementation cp --python-version 3.13 --only-binary=:all: \
    --target "$PACKAGE" -r hook/handler/requirements.txt \
    || die "could not download the arm64 wheels of hook/handler/requirements.txt (pip install --platform manylinux2014_aarch64)"
  rm -rf "${PACKAGE:?}"/boto3* "${PACKAGE:?}"/botocore* "${PACKAGE:?}"/s3transfer* "${PACKAGE:?}"/jmespath* "${PACKAGE:?}"/bin
  # The handler uses Powertools' Logger and Metrics only: its event handler and the other utilities
  # (more than half of the package) never load. What Logger imports (jmespath_utils, typing) stays.
  rm -rf "${PACKAGE:?}"/aws_lambda_powertools/event_handler
  for util in "$PACKAGE"/aws_lambda_powertools/utilities/*; do
    case "${util##*/}" in
      __init__.py|jmespath_utils|typing|serialization.py) ;;
      *) rm -rf "$util" ;;
    esac
  done
  compile_bytecode "$PACKAGE"
  # Into the cache whole or not at all: a copy beside it, then one rename.
  if mkdir -p "${DEPS_CACHE%/*}" 2>/dev/null && tmp=$(mktemp -d "${DEPS_CACHE}.XXXXXX" 2>/dev/null); then
    rm -rf "$DEPS_CACHE"  # (never complete, or another run's)
    if cp -R "$PACKAGE/." "$tmp/" && touch "$tmp/.complete" && mv "$tmp" "$DEPS_CACHE" 2>/dev/null; then :; else rm -rf "$tmp"; fi
  fi
fi
# The package is built by inclusion: the SDK, the core, the data sources, the Lambda door, the shipped input
# layer, the rules and their data. The CLI door (hook/cli), hook/integrations and hook/testing.py
# are never copied (tests/test_package.py imports and runs the zip without them).
mkdir -p "$PACKAGE/hook"
cp hook/__init__.py hook/py.typed "$PACKAGE/hook/"
for part in sdk core sources inputs handler rules data; do
  cp -R "hook/$part" "$PACKAGE/hook/$part"
done
find "$PACKAGE/hook" -name '__pycache__' -prune -exec rm -rf {} +
mkdir -p "$PACKAGE/policies"
# The chosen policy is always bundled too: it is the fallback when none is published.
printf '%s' "$POLICY_COMPACT" > "$BUILD/policy.json"
cp "$BUILD/policy.json" "$PACKAGE/policies/active.policy.json"
cp policies/default.policy.yaml "$PACKAGE/policies/default.policy.yaml"
compile_bytecode "$PACKAGE/hook"
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
KEY="govhook/$HASH.zip"
echo "    package: $ZIP, $SIZE bytes ($(( SIZE / 1024 )) KiB zipped)"
[ "$SIZE" -lt 2097152 ] || die "the package is $SIZE bytes; it must stay under 2 MB"

if [ "$ORG_MODE" = 1 ]; then
  ORG_JSON=$("${AWS[@]}" organizations describe-organization --query '[Organization.Id,Organization.MasterAccountId]' --output text) \
    || die "could not read the organization (StackSets with SERVICE_MANAGED need AWS Organizations and trusted access for StackSets)"
  ORG_ID=${ORG_JSON%%$'\t'*}
  MANAGEMENT=${ORG_JSON##*$'\t'}
  # AWS: "StackSets doesn't deploy stack instances to the organization management account, even if
  # the organization management account is in your organization or in an OU in your organization"
  # (CloudFormation API Reference, DeploymentTargets).
  if [ "$MANAGEMENT" = "$ACCOUNT" ]; then
    if [ "$INCLUDE_MANAGEMENT" = 1 ]; then
      MANAGEMENT_LINE="$MANAGEMENT (this account): never a StackSet target; the plain stack $STACK_NAME is deployed here in ${REGIONS[*]} (--include-management-account)"
    else
      MANAGEMENT_LINE="$MANAGEMENT (this account): NOT GOVERNED: a service-managed StackSet never deploys to the management account; add --include-management-account to deploy the plain stack $STACK_NAME here in ${REGIONS[*]}"
    fi
  else
    [ "$INCLUDE_MANAGEMENT" = 0 ] || die "--include-management-account: this account ($ACCOUNT) is not the management account ($MANAGEMENT); run deploy.sh there"
    MANAGEMENT_LINE="$MANAGEMENT: NOT GOVERNED: a service-managed StackSet never deploys to the management account; run ./deploy.sh there (without --org-units) to govern it"
  fi
  STACKSET_EXISTS=0
  "${AWS[@]}" cloudformation describe-stack-set --stack-set-name "$STACK_NAME" "${CALL_AS[@]}" >/dev/null 2>&1 && STACKSET_EXISTS=1
  buckets=""
  for r in "${REGIONS[@]}"; do buckets+=" ${BUCKET_PREFIX}-$r"; done
  cat <<EOF
==> the plan$( [ "$DRY_RUN" = 1 ] && echo " (dry run: nothing is changed)")
  account/region:   $ACCOUNT / $REGION (StackSet administrator)
  stack set:        $STACK_NAME ($( [ "$STACKSET_EXISTS" = 1 ] && echo "exists: updated" || echo "created"); SERVICE_MANAGED, auto-deployment on, stacks deleted when an account leaves)
  targets:          OUs ${ORG_UNITS[*]} x regions ${REGIONS[*]}
  management acct:  $MANAGEMENT_LINE
  artifact buckets:${buckets} (one per region, created if missing; readable by the organization)
  package key:      $KEY ($SIZE bytes)
  policy:           $POLICY_SOURCE
  failure mode:     $FAILURE_MODE
  each member stack creates: the hook function and its role, the invoker role, the log group,
                    the /govhook/allowed-runtimes parameter and the LambdaHook
EOF
else
  STACK_EXISTS=0
  "${AWS[@]}" cloudformation describe-stacks --stack-name "$STACK_NAME" >/dev/null 2>&1 && STACK_EXISTS=1
  BUCKET_EXISTS=0
  [ "$(bucket_state "$BUCKET" "$REGION" "$ACCOUNT")" = exists ] && BUCKET_EXISTS=1
  cat <<EOF
==> the plan$( [ "$DRY_RUN" = 1 ] && echo " (dry run: nothing is changed)")
  account/region:   $ACCOUNT / $REGION
  stack:            $STACK_NAME from template.yml ($( [ "$STACK_EXISTS" = 1 ] && echo "exists: updated with a change set" || echo "created"))
  artifact bucket:  s3://$BUCKET ($( [ "$BUCKET_EXISTS" = 1 ] && echo exists || echo "created: encrypted, public access blocked, tagged created-by=govhook"))
  package key:      s3://$BUCKET/$KEY ($SIZE bytes)
  policy:           $POLICY_SOURCE
  failure mode:     $FAILURE_MODE
  the stack creates: the hook function (${STACK_NAME}-hook) and its role, the invoker role, the log group,
                    the /govhook/allowed-runtimes parameter and the LambdaHook
EOF
fi

# ensure_bucket BUCKET REGION [ORG_ID [STATE]]: uploads the package; creates the bucket when STATE (or a
# head-bucket when no STATE is given) says it is missing: encrypted (SSE-S3, which other accounts can read, unlike
# a KMS key they are not granted), public access blocked, tagged; ORG_ID adds the org read policy.
ensure_bucket() {
  local bucket=$1 region=$2 org=${3:-}
  local s3=("${AWS_BASE[@]}" --region "$region" s3api) own=(--expected-bucket-owner "$ACCOUNT")
  local state=${4:-}
  [ -n "$state" ] || state=$(bucket_state "$bucket" "$region" "$ACCOUNT")
  if [ "$state" = missing ]; then
    if [ "$region" = us-east-1 ]; then
      act "${s3[@]}" create-bucket --bucket "$bucket" >/dev/null
    else
      act "${s3[@]}" create-bucket --bucket "$bucket" --create-bucket-configuration "LocationConstraint=$region" >/dev/null
    fi
    act "${s3[@]}" put-bucket-encryption --bucket "$bucket" "${own[@]}" \
      --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'
    act "${s3[@]}" put-public-access-block --bucket "$bucket" "${own[@]}" --public-access-block-configuration \
      BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
    act "${s3[@]}" put-bucket-tagging --bucket "$bucket" "${own[@]}" --tagging 'TagSet=[{Key=created-by,Value=govhook}]'
    [ "$DRY_RUN" = 1 ] || echo "    s3://$bucket: created (encrypted, public access blocked, tagged created-by=govhook)"
  fi
  if [ -n "$org" ]; then
    # Principal "*" limited by aws:PrincipalOrgID is not public for Block Public Access: only
    # principals of this organization (the StackSet execution roles creating the functions) read.
    act "${s3[@]}" put-bucket-policy --bucket "$bucket" "${own[@]}" --policy "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"OrganizationReadsGovhookPackages\",\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:${PARTITION}:s3:::${bucket}/govhook/*\",\"Condition\":{\"StringEquals\":{\"aws:PrincipalOrgID\":\"${org}\"}}}]}"
  fi
  act "${s3[@]}" put-object --bucket "$bucket" --key "$KEY" --body "$ZIP" "${own[@]}" >/dev/null
  [ "$DRY_RUN" = 1 ] || echo "    uploaded s3://$bucket/$KEY"
}

# wait_operation OPERATION_ID: poll a StackSet operation until it ends (there is no CLI waiter).
wait_operation() {
  local op=$1 status="" waited=0
  [ "$DRY_RUN" = 1 ] && return 0
  while :; do
    status=$("${AWS[@]}" cloudformation describe-stack-set-operation --stack-set-name "$STACK_NAME" "${CALL_AS[@]}" \
             --operation-id "$op" --query StackSetOperation.Status --output text)
    case "$status" in
      SUCCEEDED) echo "    operation $op: SUCCEEDED"; return 0 ;;
      FAILED|STOPPED)
        "${AWS[@]}" cloudformation list-stack-set-operation-results --stack-set-name "$STACK_NAME" "${CALL_AS[@]}" --operation-id "$op" \
          --query "Summaries[?Status!='SUCCEEDED'].[Account,Region,Status,StatusReason]" --output text >&2 || true
        die "StackSet operation $op ended $status (above: the accounts and regions that failed); cleanup.sh --org-units ... --regions ... removes what was made" ;;
    esac
    [ "$waited" -lt 3600 ] || die "StackSet operation $op still $status after an hour"
    sleep "$POLL"; waited=$(( waited + POLL ))
  done
}

# deploy_stack REGION PARAM=VALUE...: template.yml as the plain stack $STACK_NAME in this account.
deploy_stack() {
  local region=$1 out; shift
  local cfn=("${AWS_BASE[@]}" --region "$region" cloudformation)
  if [ "$DRY_RUN" = 1 ]; then
    act "${cfn[@]}" deploy --template-file template.yml --stack-name "$STACK_NAME" \
      --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset --tags created-by=govhook --parameter-overrides "$@"
    return 0
  fi
  if ! out=$("${cfn[@]}" deploy --template-file template.yml --stack-name "$STACK_NAME" \
    --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
    --tags created-by=govhook --parameter-overrides "$@" 2>&1); then
    # Some endpoints refuse an empty change set outright instead of reporting it: nothing to do.
    case "$out" in
      *"No updates are to be performed"*) out="No changes to deploy: stack $STACK_NAME is up to date." ;;
      *) echo "$out" >&2; die "the deployment of $STACK_NAME in $region failed (see above); cleanup.sh removes what was made" ;;
    esac
  fi
  echo "$out"
}

[ "$DRY_RUN" = 1 ] && echo "==> the AWS CLI calls that would change something"

if [ -n "$POLICY_S3" ]; then
  echo "==> uploading the policy to $POLICY_S3"
  act "${AWS[@]}" s3api put-object --bucket "$POLICY_BUCKET" --key "$POLICY_S3_KEY" --body "$BUILD/policy.json" \
    --content-type application/json --expected-bucket-owner "$POLICY_S3_OWNER" >/dev/null
fi

if [ "$ORG_MODE" = 1 ]; then
  echo "==> artifact buckets, one per region (Lambda reads code only from its own region), readable by $ORG_ID"
  for r in "${REGIONS[@]}"; do ensure_bucket "${BUCKET_PREFIX}-$r" "$r" "$ORG_ID"; done

  PARAMS_JSON="$BUILD/stackset-parameters.json"
  "$PYTHON" - "$PARAMS_JSON" "$BUCKET_PREFIX" "$KEY" "$FAILURE_MODE" "$ALLOWED_RUNTIMES" "$POLICY_S3_OBJECT" <<'PY'
import json, sys
out, bucket, key, mode, runtimes, s3_object = sys.argv[1:]
params = {"CodeBucket": bucket, "CodeBucketRegionSuffix": "true", "CodeKey": key, "FailureMode": mode,
          "PolicyLocation": "policies/active.policy.json", "PolicyParameterName": "", "PolicyS3Object": s3_object}
if runtimes:
    params["AllowedRuntimes"] = runtimes
with open(out, "w") as fh:
    json.dump([{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()], fh)
PY
  [ "$DRY_RUN" = 1 ] && echo "    $PARAMS_JSON: $(cat "$PARAMS_JSON")"
  echo "==> StackSet $STACK_NAME"
  if [ "$STACKSET_EXISTS" = 1 ]; then
    OP=$(act "${AWS[@]}" cloudformation update-stack-set --stack-set-name "$STACK_NAME" "${CALL_AS[@]}" --template-body file://template.yml \
         --parameters "file://$PARAMS_JSON" --capabilities CAPABILITY_NAMED_IAM \
         --permission-model SERVICE_MANAGED --auto-deployment Enabled=true,RetainStacksOnAccountRemoval=false \
         --tags Key=created-by,Value=govhook --query OperationId --output text)
    wait_operation "$OP"
  else
    act "${AWS[@]}" cloudformation create-stack-set --stack-set-name "$STACK_NAME" "${CALL_AS[@]}" --template-body file://template.yml \
      --parameters "file://$PARAMS_JSON" --capabilities CAPABILITY_NAMED_IAM \
      --permission-model SERVICE_MANAGED --auto-deployment Enabled=true,RetainStacksOnAccountRemoval=false \
      --tags Key=created-by,Value=govhook --description "govhook Lambda Hook (deploy.sh)" >/dev/null
  fi
  echo "==> stack instances: ${ORG_UNITS[*]} x ${REGIONS[*]}"
  OUS_CSV=$(IFS=,; echo "${ORG_UNITS[*]}")
  OP=$(act "${AWS[@]}" cloudformation create-stack-instances --stack-set-name "$STACK_NAME" "${CALL_AS[@]}" \
       --deployment-targets "OrganizationalUnitIds=$OUS_CSV" --regions "${REGIONS[@]}" \
       --operation-preferences FailureToleranceCount=0,MaxConcurrentCount=1 --query OperationId --output text)
  wait_operation "$OP"
  if [ "$INCLUDE_MANAGEMENT" = 1 ]; then
    # The same package and policy as the member stacks: the per-region bucket, the bundled policy or
    # the one --policy-s3 object.
    MGMT_PARAMS=("CodeBucket=$BUCKET_PREFIX" "CodeKey=$KEY" "CodeBucketRegionSuffix=true" "FailureMode=$FAILURE_MODE"
                 "PolicyLocation=policies/active.policy.json" "PolicyParameterName=" "PolicyS3Object=$POLICY_S3_OBJECT")
    [ -n "$ALLOWED_RUNTIMES" ] && MGMT_PARAMS+=("AllowedRuntimes=$ALLOWED_RUNTIMES")
    for r in "${REGIONS[@]}"; do
      echo "==> the management account $ACCOUNT: stack $STACK_NAME in $r (StackSets never deploy here)"
      deploy_stack "$r" "${MGMT_PARAMS[@]}"
    done
  fi
  [ "$DRY_RUN" = 1 ] && exit 0
  echo
  echo "govhook is rolled out: StackSet $STACK_NAME to ${ORG_UNITS[*]} in ${REGIONS[*]} (FailureMode=$FAILURE_MODE)."
  echo "Accounts that join these OUs get it automatically."
  echo "Management account: $MANAGEMENT_LINE"
  CLEAN_MGMT=""
  [ "$INCLUDE_MANAGEMENT" = 1 ] && CLEAN_MGMT=" --include-management-account"
  echo "Remove: ./cleanup.sh --stack-name $STACK_NAME --org-units ${ORG_UNITS[*]} --regions ${REGIONS[*]}$CLEAN_MGMT"
  exit 0
fi

echo "==> artifact bucket s3://$BUCKET"
# The plan's head-bucket already said whether the bucket is there.
ensure_bucket "$BUCKET" "$REGION" "" "$( [ "$BUCKET_EXISTS" = 1 ] && echo exists || echo missing)"

if [ "$PUBLISH_POLICY" = 1 ]; then
  echo "==> publishing the policy to ssm:$POLICY_PARAM ($TIER tier)"
  if [ -z "$EXISTING_TIER" ] || [ "$EXISTING_TIER" = None ]; then
    act "${AWS[@]}" ssm put-parameter --name "$POLICY_PARAM" --type String --tier "$TIER" \
      --value "file://$BUILD/policy.json" \
      --description "govhook policy (deploy.sh)" --tags Key=created-by,Value=govhook >/dev/null
  else
    act "${AWS[@]}" ssm put-parameter --name "$POLICY_PARAM" --type String --tier "$TIER" --overwrite \
      --value "file://$BUILD/policy.json" \
      --description "govhook policy (deploy.sh)" >/dev/null
  fi
fi

echo "==> deploying stack $STACK_NAME"
PARAMS=("CodeBucket=$BUCKET" "CodeKey=$KEY" "CodeBucketRegionSuffix=false" "FailureMode=$FAILURE_MODE"
        "PolicyLocation=policies/active.policy.json" "PolicyParameterName=$POLICY_PARAM_VALUE"
        "PolicyS3Object=$POLICY_S3_OBJECT")
[ -n "$ALLOWED_RUNTIMES" ] && PARAMS+=("AllowedRuntimes=$ALLOWED_RUNTIMES")
deploy_stack "$REGION" "${PARAMS[@]}"
[ "$DRY_RUN" = 1 ] && exit 0

HOOK_ARNS=$("${AWS[@]}" cloudformation describe-stacks --stack-name "$STACK_NAME" \
  --query "Stacks[0].Outputs[?OutputKey=='HookArn' || OutputKey=='TemplateHookArn'].OutputValue" --output text | tr '\t' ' ')
[ -n "$HOOK_ARNS" ] && [ "$HOOK_ARNS" != None ] || HOOK_ARNS="(not reported by this endpoint)"
echo
echo "govhook is installed: hooks $HOOK_ARNS (FailureMode=$FAILURE_MODE, policy ${POLICY_SOURCE%% (*})"
[ "$FAILURE_MODE" = WARN ] && echo "Before switching to FAIL: 'govhook would-block --stack-name $STACK_NAME' lists what FAIL would have blocked."
echo "Next: sample/deploy_sample.sh (passes), then sample/deploy_sample.sh --template sample/lambda_template_noncompliant.yml"
echo "      (blocked; 'govhook results STACK' says why); cleanup.sh removes everything this script made."
