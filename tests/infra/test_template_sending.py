"""Every template fits the way `make deploy-stack` sends it.

CloudFormation takes at most 51,200 bytes in TemplateBody and 1 MB by
TemplateURL. The tooling sends the network and platform stacks inline (the
template bucket is the platform's, so it cannot exist before them) and every
later stack by URL from that bucket. These tests ask the tooling itself how
it sends each template, on AWS and on the emulator (whose rewritten JSON is
what it sends there), so they fail when a template outgrows its way.
"""

from __future__ import annotations

import pytest
from ops.settings import Settings
from ops.stacks import INLINE, MAX_TEMPLATE_BODY, ORDER, plan
from ops.upload import MAX_TEMPLATE_URL, TemplateStore

from ops import OpsError

from .cfn import load, resources, template_path

WHERE = {
    "aws": Settings(env="dev", image_uri="repo@sha256:" + "a" * 64, github_repo="acme/sports-api"),
    "emulator": Settings(
        env="dev",
        image_uri="repo@sha256:" + "a" * 64,
        github_repo="acme/sports-api",
        endpoint="http://127.0.0.1:5000",
    ),
}


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("stack", ORDER)
def test_each_template_fits_the_way_it_is_sent(stack: str, where: str) -> None:
    sent = plan(stack, WHERE[where], None)  # raises OpsError when CloudFormation would refuse it
    size = len(sent.body.encode())
    assert sent.inline is (stack in INLINE)
    assert size <= (MAX_TEMPLATE_BODY if sent.inline else MAX_TEMPLATE_URL), f"{stack}: {size} bytes"


def test_only_the_stacks_before_the_template_bucket_go_inline() -> None:
    """The bucket is the platform's: what comes before it (and it) cannot be sent through it."""
    assert ORDER[: len(INLINE)] == ("network", "platform") and set(INLINE) == {"network", "platform"}
    bucket = resources(load("platform"), "AWS::S3::Bucket")
    assert list(bucket) == ["TemplateBucket"]
    output = load("platform")["Outputs"]["TemplateBucketName"]
    assert output["Value"] == {"Ref": "TemplateBucket"}
    props = bucket["TemplateBucket"]["Properties"]
    assert props["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert bucket["TemplateBucket"]["DeletionPolicy"] == "Retain", "make delete-stack empties and deletes it"


def test_the_pipeline_template_needs_the_url_path() -> None:
    """It outgrew TemplateBody: sending it inline would fail on AWS."""
    assert len(template_path("pipeline").read_bytes()) > MAX_TEMPLATE_BODY
    assert "pipeline" not in INLINE


def test_an_inline_template_over_the_limit_is_refused_before_any_call(tmp_path) -> None:
    path = tmp_path / "platform.yaml"
    path.write_text(template_path("platform").read_text() + "#" * MAX_TEMPLATE_BODY)
    with pytest.raises(OpsError, match="over CloudFormation's 51200 for an inline template"):
        plan("platform", WHERE["aws"], None, path)
    big = tmp_path / "pipeline.yaml"
    big.write_text(template_path("pipeline").read_text() + "#" * MAX_TEMPLATE_URL)
    with pytest.raises(OpsError, match="from S3"):
        plan("pipeline", WHERE["aws"], None, big)


def test_template_urls_name_the_bucket_the_region_and_the_content() -> None:
    store = TemplateStore(s3=None, bucket="sports-api-dev-platform-templatebucket-abc", region="eu-west-1")
    key = store.key_for("sports-api-dev-pipeline", "Resources: {}\n")
    assert key.startswith("templates/sports-api-dev-pipeline/") and key.endswith(".yaml")
    assert store.key_for("sports-api-dev-pipeline", "Resources: {}\n") == key
    assert store.key_for("sports-api-dev-pipeline", "Resources: {X: 1}\n") != key
    assert store.key_for("s", '{"Resources": {}}').endswith(".json")
    assert (
        store.url_for(key)
        == f"https://sports-api-dev-platform-templatebucket-abc.s3.eu-west-1.amazonaws.com/{key}"
    )
