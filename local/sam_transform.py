"""Prints template.yaml after the AWS SAM transform, as JSON, without network or AWS credentials.

cfn-lint ships the SAM translator and runs it offline with a bundled copy of the managed policies; this calls
the same code, so the template tests can check what CloudFormation would really be given (the routes,
permissions, aliases and the CodeDeploy role SAM generates), not only what we wrote.
Usage: python3 local/sam_transform.py [template.yaml] [region]
"""
import json
import sys

from cfnlint.decode import decode
from cfnlint.template.transforms._sam import Transform


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else "template.yaml"
    region = sys.argv[2] if len(sys.argv) > 2 else "us-east-1"
    template, matches = decode(path)
    if matches or template is None:
        for match in matches:
            print(f"{path}: {match.message}", file=sys.stderr)
        return 1
    transform = Transform(path, template, region)
    errors = transform.transform_template()
    if errors:
        for error in errors:
            print(f"{path}: {error.message}", file=sys.stderr)
        return 1
    json.dump(transform.template(), sys.stdout, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
