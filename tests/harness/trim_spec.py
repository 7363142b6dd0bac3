"""Keep a small copy of Slack's Web API spec in the repository, for clones without ../shared.

Slack's OpenAPI spec (slackapi/slack-api-specs, MIT License, Copyright (c) 2017 SlackAPI) is
1.2 MB of descriptions and examples; the fake Slack needs only each method's parameters and
scopes. `python -m tests.harness.trim_spec` rewrites the trimmed copy from the full spec.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

TRIMMED_SPEC = Path(__file__).with_name("slack_web_api_methods.json")
NOTICE = (
    "Trimmed from slackapi/slack-api-specs web-api/slack_web_openapi_v2.json: parameters and scopes only. "
    "MIT License, Copyright (c) 2017 SlackAPI. Regenerate with `python -m tests.harness.trim_spec`."
)


def trim(spec: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, operations in sorted(spec["paths"].items()):
        paths[path] = {
            verb: {
                "parameters": [
                    {key: param[key] for key in ("name", "in", "required") if key in param}
                    for param in operation.get("parameters", [])
                ],
                "security": operation.get("security", []),
            }
            for verb, operation in operations.items()
        }
    return {"info": {"description": NOTICE}, "paths": paths}


def main(argv: list[str]) -> int:
    from tests.harness.fake_slack import DEFAULT_SPEC_PATH

    source = Path(argv[0]) if argv else DEFAULT_SPEC_PATH
    TRIMMED_SPEC.write_text(json.dumps(trim(json.loads(source.read_text())), indent=1, sort_keys=True) + "\n")
    print(f"wrote {TRIMMED_SPEC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
