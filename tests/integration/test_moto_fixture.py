from __future__ import annotations

from typing import Any


def test_moto_server_serves_ssm_over_http(aws_client: Any) -> None:
    # GIVEN a parameter stored in moto's server
    ssm = aws_client("ssm")
    ssm.put_parameter(Name="/govhook/allowed-runtimes", Type="StringList", Value="python3.13,nodejs22.x")
    # WHEN it is read back over HTTP
    value = ssm.get_parameter(Name="/govhook/allowed-runtimes")["Parameter"]["Value"]
    # THEN it is the stored value
    assert value == "python3.13,nodejs22.x"
