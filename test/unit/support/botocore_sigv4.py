"""SigV4 by botocore, the AWS CLI's signer: an implementation independent of the one the runbook CLI uses.

Reads a JSON list of requests on stdin, each exactly as it was sent:
  {"method", "url", "headers": {...}, "body": str|null, "region", "service", "amzDate": "YYYYMMDDTHHMMSSZ",
   "accessKeyId", "secretAccessKey", "sessionToken"?}
and writes a JSON list of the Authorization headers botocore computes for them. botocore reads the query from
the URL's bytes as they are, so a request signed for other bytes than those sent does not match.
"""
import datetime
import json
import sys
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def sign(item):
    credentials = Credentials(item["accessKeyId"], item["secretAccessKey"], item.get("sessionToken"))
    # The header values the sender signed, less what botocore sets itself (date, token, authorization).
    skip = {"authorization", "x-amz-date", "x-amz-security-token"}
    headers = {k: v for k, v in item["headers"].items() if k.lower() not in skip}
    request = AWSRequest(method=item["method"], url=item["url"], data=item.get("body"), headers=headers)
    moment = datetime.datetime.strptime(item["amzDate"], "%Y%m%dT%H%M%SZ")
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=moment):
        botocore.auth.SigV4Auth(credentials, item["service"], item["region"]).add_auth(request)
    return request.headers["Authorization"]


if __name__ == "__main__":
    json.dump([sign(item) for item in json.load(sys.stdin)], sys.stdout)
