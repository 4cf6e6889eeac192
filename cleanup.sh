#!/usr/bin/env bash
# Remove everything deploy.sh made: the stack (or the StackSet and its instances), the policy
# parameter it published, and the artifact buckets if govhook created them.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: cleanup.sh [--stack-name NAME] [--region REGION] [--profile PROFILE] [--bucket BUCKET]
                  [--policy-parameter NAME] [--dry-run]
       cleanup.sh --org-units OU... --regions REGION... [--delegated-admin] [--stack-name NAME] [...]

Deletes the govhook stack and waits for it, deletes the policy parameter deploy.sh published (the
name the stack was deployed with, else --policy-parameter, default /govhook/policy) if it carries
the tag created-by=govhook, then empties and deletes the artifact bucket only if it carries that
tag (a bucket you brought is left alone), and removes what deploy.sh built (build/, or
GOVHOOK_BUILD_DIR).

With --org-units and/or --regions: deletes the StackSet's stack instances in those OUs and regions
(what is not given is read from the StackSet's instances), waits for the operation, deletes the
StackSet, and the per-region artifact buckets govhook created. --include-management-account also
deletes the plain stack deploy.sh --include-management-account made in this (the management)
account in each of those regions.

Every S3 call names this account as the bucket's expected owner: a bucket of that name owned by
another account is left alone.

Safe to run twice, or after a failed deploy. Honours AWS_ENDPOINT_URL. --dry-run prints the AWS CLI
calls that would change something and changes nothing.
EOF
}

die() { echo "cleanup.sh: error: $*" >&2; exit 1; }

STACK_NAME=govhook
REGION=""
PROFILE=""
BUCKET=""
POLICY_PARAM=""
DRY_RUN=0
ORG_UNITS=()
CALL_AS=()
REGIONS=()
ORG_MODE=0
INCLUDE_MANAGEMENT=0
while [ $# -gt 0 ]; do
  case "$1" in
    --stack-name) STACK_NAME=${2:?--stack-name needs a value}; shift 2 ;;
    --region) REGION=${2:?--region needs a value}; shift 2 ;;
    --profile) PROFILE=${2:?--profile needs a value}; shift 2 ;;
    --bucket) BUCKET=${2:?--bucket needs a value}; shift 2 ;;
    --policy-parameter) POLICY_PARAM=${2:?--policy-parameter needs a value}; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    --org-units|--regions)
      opt=$1; shift; ORG_MODE=1
      while [ $# -gt 0 ] && [[ "$1" != -* ]]; do
        IFS=, read -r -a vals <<<"$1"
        if [ "$opt" = --org-units ]; then ORG_UNITS+=("${vals[@]}"); else REGIONS+=("${vals[@]}"); fi
        shift
      done ;;
    --delegated-admin) CALL_AS=(--call-as DELEGATED_ADMIN); shift ;;
    --include-management-account) INCLUDE_MANAGEMENT=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

if [ "$INCLUDE_MANAGEMENT" = 1 ] && [ "$ORG_MODE" = 0 ]; then die "--include-management-account applies with --org-units/--regions"; fi
command -v aws >/dev/null 2>&1 || die "'aws' is not installed or not on PATH"
# A relative GOVHOOK_BUILD_DIR is relative to where the script was started, not to the checkout.
case "${GOVHOOK_BUILD_DIR:-}" in ""|/*) ;; *) GOVHOOK_BUILD_DIR="$PWD/$GOVHOOK_BUILD_DIR" ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
AWS=(aws)
[ -n "$REGION" ] && AWS+=(--region "$REGION")
[ -n "$PROFILE" ] && AWS+=(--profile "$PROFILE")
ACCOUNT=$("${AWS[@]}" sts get-caller-identity --query Account --output text) || die "no usable AWS credentials"
# As deploy.sh: an environment variable overrides the profile's region.
[ -n "$REGION" ] || REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
[ -n "$REGION" ] || REGION=$("${AWS[@]}" configure get region || true)
[ -n "$REGION" ] || die "no region: pass --region or configure one"
AWS=(aws --region "$REGION")
[ -n "$PROFILE" ] && AWS+=(--profile "$PROFILE")
AWS_BASE=(aws)
[ -n "$PROFILE" ] && AWS_BASE+=(--profile "$PROFILE")
POLL=${GOVHOOK_POLL_SECONDS:-15}
NOTE=""
[ "$DRY_RUN" = 0 ] || NOTE=" (dry run: nothing was changed)"
ERR_FILE=$(mktemp)
trap 'rm -f "$ERR_FILE"' EXIT

# Every call that changes the account goes through act: a dry run prints it instead.
exec 3>&1
act() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '    would run:' >&3; printf ' %q' "$@" >&3; echo >&3
  else
    "$@"
  fi
}

# remove_build: what deploy.sh built (the package, the zip, the policy JSON), then the directory if
# nothing else is in it: a GOVHOOK_BUILD_DIR the user chose keeps anything else they put there.
remove_build() {
  local dir=${GOVHOOK_BUILD_DIR:-$HERE/build}
  [ -d "$dir" ] || return 0
  rm -rf "${dir:?}/package" "${dir:?}/govhook.zip" "${dir:?}/policy.json" "${dir:?}/stackset-parameters.json"
  rmdir "$dir" 2>/dev/null || true
}

# delete_objects BUCKET REGION OBJECTS: one DeleteObjects call ({"Key": ...} items, at most 1,000);
# an object S3 could not delete is an error (the bucket would not delete either).
delete_objects() {
  local failed
  failed=$(act "${AWS_BASE[@]}" --region "$2" s3api delete-objects --bucket "$1" --expected-bucket-owner "$ACCOUNT" \
           --delete "{\"Objects\":[$3],\"Quiet\":true}" --query 'Errors[].[Key,Code]' --output text) \
    || die "deleting the objects of bucket $1 failed"
  if [ -n "$failed" ] && [ "$failed" != None ] && [ "$DRY_RUN" = 0 ]; then
    die "bucket $1: S3 did not delete these objects (key, code):
$failed"
  fi
}

# remove_bucket BUCKET REGION: empty and delete it only if this account owns it and govhook created it.
# One get-bucket-tagging call tells all three: the tag (ours), NoSuchTagSet (someone's, untagged),
# NoSuchBucket (not there); with --expected-bucket-owner, S3 answers 403 for another account's bucket.
remove_bucket() {
  local bucket=$1 region=$2 tag err key batch n
  local s3=("${AWS_BASE[@]}" --region "$region" s3api) own=(--expected-bucket-owner "$ACCOUNT")
  if tag=$("${s3[@]}" get-bucket-tagging --bucket "$bucket" "${own[@]}" \
           --query "TagSet[?Key=='created-by'].Value" --output text 2>"$ERR_FILE"); then
    if [ "$tag" = govhook ]; then
      echo "==> emptying and deleting bucket $bucket (created by govhook)"
      # Every key, then one delete-objects call per 1,000 keys (S3's limit for one call).
      batch="" n=0
      while IFS= read -r key; do
        if [ -z "$key" ] || [ "$key" = None ]; then continue; fi
        key=${key//\\/\\\\}; key=${key//\"/\\\"}
        batch+="${batch:+,}{\"Key\":\"$key\"}"; n=$(( n + 1 ))
        if [ "$n" = 1000 ]; then delete_objects "$bucket" "$region" "$batch"; batch="" n=0; fi
      done < <("${s3[@]}" list-objects-v2 --bucket "$bucket" "${own[@]}" --query 'Contents[].[Key]' --output text)
      [ -z "$batch" ] || delete_objects "$bucket" "$region" "$batch"
      act "${s3[@]}" delete-bucket --bucket "$bucket" "${own[@]}"
    else
      echo "==> bucket $bucket was not created by govhook: left alone (remove govhook/*.zip yourself)"
    fi
  else
    err=$(cat "$ERR_FILE")
    if [[ "$err" == *NoSuchTagSet* ]]; then
      echo "==> bucket $bucket was not created by govhook: left alone (remove govhook/*.zip yourself)"
    elif [[ "$err" == *NoSuchBucket* || "$err" == *"Not Found"* || "$err" == *"(404)"* ]]; then
      echo "==> bucket $bucket: not there"
    else
      echo "==> bucket $bucket is not owned by this account ($ACCOUNT), or not readable: left alone"
    fi
  fi
}

if [ "$ORG_MODE" = 1 ]; then
  [ -z "$BUCKET" ] || die "--bucket does not apply with --org-units: the buckets are govhook-artifacts-<account>-<region>"
  if ! "${AWS[@]}" cloudformation describe-stack-set --stack-set-name "$STACK_NAME" "${CALL_AS[@]}" >/dev/null 2>&1; then
    echo "==> stack set $STACK_NAME: not there"
  else
    # What was not given is read from the StackSet's instances (their OU and region): one call.
    INSTANCES=$("${AWS[@]}" cloudformation list-stack-instances --stack-set-name "$STACK_NAME" "${CALL_AS[@]}" \
                --query 'Summaries[].[OrganizationalUnitId,Region]' --output text)
    if [ ${#ORG_UNITS[@]} -eq 0 ]; then
      read -r -a ORG_UNITS <<<"$(cut -f1 <<<"$INSTANCES" | grep -v -e '^None$' -e '^$' | sort -u | tr '\n' ' ' || true)"
    fi
    if [ ${#REGIONS[@]} -eq 0 ]; then
      read -r -a REGIONS <<<"$(cut -f2 <<<"$INSTANCES" | grep -v -e '^None$' -e '^$' | sort -u | tr '\n' ' ' || true)"
    fi
    COUNT=$(grep -c . <<<"$INSTANCES" || true)
    if [ "$COUNT" != 0 ]; then
      [ ${#ORG_UNITS[@]} -gt 0 ] || die "stack set $STACK_NAME has $COUNT stack instances and their OUs are unknown: pass --org-units"
      [ ${#REGIONS[@]} -gt 0 ] || die "stack set $STACK_NAME has $COUNT stack instances and their regions are unknown: pass --regions"
      echo "==> deleting the stack instances of $STACK_NAME: ${ORG_UNITS[*]} x ${REGIONS[*]}"
      OUS_CSV=$(IFS=,; echo "${ORG_UNITS[*]}")
      OP=$(act "${AWS[@]}" cloudformation delete-stack-instances --stack-set-name "$STACK_NAME" "${CALL_AS[@]}" \
           --deployment-targets "OrganizationalUnitIds=$OUS_CSV" --regions "${REGIONS[@]}" --no-retain-stacks \
           --operation-preferences FailureToleranceCount=0,MaxConcurrentCount=1 --query OperationId --output text)
      if [ "$DRY_RUN" = 0 ]; then
        waited=0
        while :; do
          STATUS=$("${AWS[@]}" cloudformation describe-stack-set-operation --stack-set-name "$STACK_NAME" "${CALL_AS[@]}" \
                   --operation-id "$OP" --query StackSetOperation.Status --output text)
          case "$STATUS" in
            SUCCEEDED) echo "    operation $OP: SUCCEEDED"; break ;;
            FAILED|STOPPED) die "deleting the stack instances ended $STATUS (operation $OP); see the StackSet's operations in the console" ;;
          esac
          [ "$waited" -lt 3600 ] || die "operation $OP still $STATUS after an hour"
          sleep "$POLL"; waited=$(( waited + POLL ))
        done
      fi
    fi
    echo "==> deleting stack set $STACK_NAME"
    if [ "$DRY_RUN" = 0 ]; then
      LEFT=$("${AWS[@]}" cloudformation list-stack-instances --stack-set-name "$STACK_NAME" "${CALL_AS[@]}" \
             --query 'Summaries[].[Account,Region]' --output text)
      [ -z "$LEFT" ] || die "stack set $STACK_NAME still has stack instances (account, region):
$LEFT
They are in OUs or regions other than ${ORG_UNITS[*]} / ${REGIONS[*]}: run cleanup.sh with those."
    fi
    act "${AWS[@]}" cloudformation delete-stack-set --stack-set-name "$STACK_NAME" "${CALL_AS[@]}"
  fi
  if [ "$INCLUDE_MANAGEMENT" = 1 ]; then
    # The plain stacks deploy.sh --include-management-account made here (StackSets skip this account).
    for r in "${REGIONS[@]}"; do
      cfn=("${AWS_BASE[@]}" --region "$r" cloudformation)
      if "${cfn[@]}" describe-stacks --stack-name "$STACK_NAME" >/dev/null 2>&1; then
        echo "==> the management account $ACCOUNT: deleting stack $STACK_NAME in $r"
        act "${cfn[@]}" delete-stack --stack-name "$STACK_NAME"
        if [ "$DRY_RUN" = 0 ]; then
          "${cfn[@]}" wait stack-delete-complete --stack-name "$STACK_NAME" || die "stack $STACK_NAME in $r did not delete"
        fi
      else
        echo "==> the management account $ACCOUNT: stack $STACK_NAME in $r: not there"
      fi
    done
  fi
  for r in "${REGIONS[@]}"; do remove_bucket "govhook-artifacts-${ACCOUNT}-$r" "$r"; done
  [ "$DRY_RUN" = 1 ] || remove_build
  echo "govhook StackSet $STACK_NAME removed$NOTE."
  exit 0
fi

[ -n "$BUCKET" ] || BUCKET="govhook-artifacts-${ACCOUNT}-${REGION}"

# One call: whether the stack is there, and the two parameters it was deployed with (one per line).
if STACK_PARAMS=$("${AWS[@]}" cloudformation describe-stacks --stack-name "$STACK_NAME" \
                  --query "Stacks[0].Parameters[?ParameterKey=='PolicyParameterName' || ParameterKey=='PolicyS3Object'].[ParameterKey,ParameterValue]" \
                  --output text 2>/dev/null); then
  DEPLOYED="" S3_OBJECT=""
  while IFS=$'\t' read -r pkey pvalue; do
    case "$pkey" in
      PolicyParameterName) DEPLOYED=$pvalue ;;
      PolicyS3Object) S3_OBJECT=$pvalue ;;
    esac
  done <<<"$STACK_PARAMS"
  # The parameter the stack was deployed with is the one deploy.sh published.
  [ -n "$POLICY_PARAM" ] || { [ -n "$DEPLOYED" ] && [ "$DEPLOYED" != None ] && POLICY_PARAM=$DEPLOYED; }
  if [ -n "$S3_OBJECT" ] && [ "$S3_OBJECT" != None ]; then
    echo "==> the policy object s3://$S3_OBJECT is in your bucket: left alone"
  fi
  echo "==> deleting stack $STACK_NAME"
  act "${AWS[@]}" cloudformation delete-stack --stack-name "$STACK_NAME"
  if [ "$DRY_RUN" = 0 ]; then
    "${AWS[@]}" cloudformation wait stack-delete-complete --stack-name "$STACK_NAME" || die "stack $STACK_NAME did not delete"
  fi
else
  echo "==> stack $STACK_NAME: not there"
fi

[ -n "$POLICY_PARAM" ] || POLICY_PARAM=/govhook/policy
# One call: the tags tell whether deploy.sh published it; InvalidResourceId means it is not there.
if OWNER=$("${AWS[@]}" ssm list-tags-for-resource --resource-type Parameter --resource-id "$POLICY_PARAM" \
           --query "TagList[?Key=='created-by'].Value" --output text 2>"$ERR_FILE"); then
  if [ "$OWNER" = govhook ]; then
    echo "==> deleting the policy parameter $POLICY_PARAM (published by deploy.sh)"
    act "${AWS[@]}" ssm delete-parameter --name "$POLICY_PARAM"
  else
    echo "==> parameter $POLICY_PARAM was not published by govhook: left alone"
  fi
elif grep -q -e InvalidResourceId -e ParameterNotFound "$ERR_FILE"; then
  echo "==> policy parameter $POLICY_PARAM: not there"
else
  echo "==> parameter $POLICY_PARAM could not be read ($(tr '\n' ' ' <"$ERR_FILE")): left alone"
fi

remove_bucket "$BUCKET" "$REGION"

[ "$DRY_RUN" = 1 ] || remove_build
echo "govhook removed from $ACCOUNT/$REGION$NOTE."
