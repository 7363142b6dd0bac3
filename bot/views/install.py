"""The pages "Add to Slack" shows in a browser: the install page, and how the install went."""

from __future__ import annotations

import html

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 36em; margin: 3em auto; padding: 0 1em; line-height: 1.5;
       color: #1d1c1d; }}
h1 {{ color: #2f4858; }}
</style>
</head>
<body>
<h1>{title}</h1>
{body}
</body>
</html>
"""

# Why an install can fail, in the words of Bolt's failure reasons, said plainly.
_FAILURES = {
    "access_denied": "The install was cancelled in Slack, so Convene was not added. You can start again whenever "
                     "you like.",
    "invalid_browser": "This install link was started in another browser (or its cookie has gone). Start again "
                       "from the install page in this browser.",
    "invalid_state": "This install link has already been used or has expired. Start again from the install page.",
    "missing_code": "Slack did not say which install this was. Start again from the install page.",
    "invalid_code": "Slack did not accept this install (the link may have been used already). Start again from "
                    "the install page.",
    "storage_error": "Convene could not save the install. Please try again in a few minutes.",
}
_FALLBACK = "Something went wrong while adding Convene to Slack. Start again from the install page."


def page(title: str, body_html: str) -> str:
    return _PAGE.format(title=html.escape(title), body=body_html)


def install_page(authorize_url: str) -> str:
    """The "Add to Slack" page at /slack/install."""
    link = html.escape(authorize_url, quote=True)
    return page("Add Convene to Slack", f"""
<p>Convene helps a working group find dates to meet, share who is free, log commissioning issues, decide on
proposals and read one short digest a week.</p>
<p><a href="{link}"><img alt="Add to Slack" height="40" width="139"
src="https://platform.slack-edge.com/img/add_to_slack.png"
srcset="https://platform.slack-edge.com/img/add_to_slack.png 1x, https://platform.slack-edge.com/img/add_to_slack@2x.png 2x"></a></p>
<p>Each workspace sees only its own polls, issues, answers and digests.</p>
""")


def installed_page(team_name: str | None) -> str:
    where = html.escape(team_name) if team_name else "your workspace"
    return page("Convene is installed", f"""
<p>Convene is now in {where}. Invite it to your group's channel (<code>/invite @Convene</code>), then type
<code>/convene help</code> there to see what it can do, or <code>/convene settings</code> to choose the channel
for the weekly digest.</p>
<p>You can close this page.</p>
""")


def failed_page(reason: str) -> str:
    return page("Convene was not installed", f"<p>{html.escape(_FAILURES.get(reason, _FALLBACK))}</p>\n"
                '<p><a href="/slack/install">Back to the install page</a></p>\n')
