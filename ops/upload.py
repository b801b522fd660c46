"""Templates sent by TemplateURL: uploaded to the platform stack's bucket first, as aws-cli's deployer does.

CloudFormation takes at most 51,200 bytes in `TemplateBody` and 1 MB from S3.
`aws cloudformation deploy --s3-bucket` uploads the template and passes its
URL; so does `make deploy-stack` for every stack after the platform's, whose
bucket (`TemplateBucketName`) it uses. The network and platform stacks come
before that bucket and go inline (ops/stacks.py says which).

Each upload is named by its content (`templates/<stack>/<sha256>.<ext>`), so a
URL always means one template, and an unchanged template is the same object.
The URL is the bucket's virtual-hosted address, which CloudFormation reads
with the caller's credentials; an emulator (moto) reads it from its own S3.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

# CloudFormation's limit for a template read from S3.
MAX_TEMPLATE_URL = 1024 * 1024


@dataclass
class TemplateStore:
    """A bucket that holds templates for CloudFormation to read."""

    s3: Any  # a boto3 S3 client
    bucket: str
    region: str

    def key_for(self, stack_name: str, body: str) -> str:
        digest = hashlib.sha256(body.encode()).hexdigest()
        extension = "json" if body.lstrip().startswith("{") else "yaml"
        return f"templates/{stack_name}/{digest}.{extension}"

    def url_for(self, key: str) -> str:
        suffix = "amazonaws.com.cn" if self.region.startswith("cn-") else "amazonaws.com"
        return f"https://{self.bucket}.s3.{self.region}.{suffix}/{quote(key)}"

    def upload(self, stack_name: str, body: str) -> str:
        """Put the template (the bucket's default encryption applies) and return its TemplateURL."""
        key = self.key_for(stack_name, body)
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body.encode(), ContentType="text/plain")
        return self.url_for(key)
