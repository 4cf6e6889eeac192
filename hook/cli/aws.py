"""AWS options of ``govhook check``, as the AWS CLI has them: ``--profile`` and ``--region``.

One ``--region`` sets both the Region of every AWS call (SSM parameters, account facts) and the
template's ``AWS::Region``; without it, calls use the profile's or the environment's Region
(``AWS_REGION``, ``AWS_DEFAULT_REGION``), and ``--aws`` then uses that Region for ``AWS::Region``
too, so the template is judged for the Region its facts come from.
"""

from __future__ import annotations

import os
from typing import Any

from hook.core.errors import GovhookError

__all__ = ["AwsOptionsError", "aws_sources"]


class AwsOptionsError(GovhookError):
    """The profile or Region cannot be used (one line for the user)."""


def aws_sources(region: str | None, profile: str | None) -> tuple[Any, Any, str]:
    """``(SSMValues, AwsAccount, region)`` reading through clients of that profile and Region."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, NoRegionError, ProfileNotFound

    from hook.sources import AwsAccount, SSMValues, use_clients

    # botocore reads AWS_DEFAULT_REGION only; many shells and CI systems set AWS_REGION.
    region = region or os.environ.get("AWS_REGION") or None
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        config = Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 3, "mode": "standard"})
        ssm = session.client("ssm", config=config)
        lam = session.client("lambda", config=config)
        # A policy named by GOVHOOK_POLICY=ssm:... or s3://... is read with the same session.
        use_clients(ssm=ssm, s3=session.client("s3", config=config))
    except ProfileNotFound as exc:
        raise AwsOptionsError(f"--profile {profile}: no such profile in the AWS config files") from exc
    except NoRegionError as exc:
        raise AwsOptionsError("--aws needs a Region: pass --region, set AWS_REGION, or give the profile one") from exc
    except BotoCoreError as exc:
        raise AwsOptionsError(" ".join(str(exc).split())) from exc
    return SSMValues(ssm=ssm), AwsAccount(lambda_client=lam), str(ssm.meta.region_name)
