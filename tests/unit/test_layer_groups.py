"""hook/data/aws_layers.json: the allow groups of AWS-published layers that lambda.layers-allowed uses."""

from __future__ import annotations

import re

from hook.rules.layers_allowed import LayersAllowed, layer_groups, published_by, published_parameter

PARTITIONS = {"aws", "aws-cn", "aws-us-gov"}


def test_the_policy_schema_offers_exactly_the_groups_the_data_defines() -> None:
    enum = LayersAllowed.params_schema["properties"]["allowed_groups"]["items"]["enum"]
    assert set(enum) == set(layer_groups())


def test_every_entry_names_its_source_and_lists_accounts_per_partition() -> None:
    for name, group in layer_groups().items():
        assert group["description"], name
        for inner in group.get("includes", ()):
            assert inner in layer_groups() and inner != name, (name, inner)
        assert group["layers"] or group.get("includes"), name
        for entry in group["layers"]:
            assert re.search(r"https://docs\.aws\.amazon\.com/\S+", entry["source"]), (name, entry["name"])
            assert set(entry["accounts"]) <= PARTITIONS, (name, entry["name"])
            ids = [a for accounts in entry["accounts"].values() for a in accounts]
            assert ids and all(re.fullmatch(r"\d{12}", a) for a in ids), (name, entry["name"])
            assert len(ids) == len(set(ids)), (name, entry["name"])
        for item in group.get("ssm_prefixes", ()):
            assert item["prefix"].startswith("/aws/service/") and item["source"].startswith("https://"), name


def test_a_publisher_is_trusted_in_its_own_partition_only() -> None:
    name = "AWSLambdaPowertoolsPythonV3-python313-arm64"
    assert published_by("aws-powertools", "aws", "017000801446", name)
    assert published_by("aws-powertools", "aws-us-gov", "165093116878", name)
    assert published_by("aws-powertools", "aws-cn", "498634801083", name)
    assert not published_by("aws-powertools", "aws-cn", "017000801446", name)
    assert not published_by("aws-powertools", "aws", "165093116878", name)
    assert not published_by("aws-powertools", "aws", "017000801446", "AWS-AppConfig-Extension")


def test_aws_extensions_is_the_three_extension_groups() -> None:
    insights = ("aws-us-gov", "122132214140", "LambdaInsightsExtension")
    assert published_by("aws-extensions", *insights) and published_by("aws-lambda-insights", *insights)
    assert not published_by("aws-appconfig", *insights)
    assert not published_by("aws-extensions", "aws", "017000801446", "AWSLambdaPowertoolsTypeScriptV2")
    assert published_parameter("aws-powertools", "/aws/service/powertools/python/x86_64/python3.12/latest")
    assert not published_parameter("aws-extensions", "/aws/service/powertools/python/x86_64/python3.12/latest")
