"""Send requests to the bot exactly as Slack does: signed, with Slack's payload shapes.

``SlackSender`` posts slash commands, interactivity payloads (block actions,
view submissions, shortcuts, options requests) and Events API envelopes to the
bot's ``/slack/events`` endpoint with a valid ``X-Slack-Signature`` (or, via
:meth:`SlackSender.raw`, a deliberately bad one).  The payload shapes follow
what Slack sends and what bolt-python's own scenario tests use.

Pair it with :class:`tests.harness.fake_slack.FakeSlack` by passing ``fake=``:
response URLs in the payloads then point at the fake, so ``respond()`` works
and is recorded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:
    from .fake_slack import FakeSlack

__all__ = ["SlackSender", "Response", "slack_signature", "view_state"]

DEFAULT_TEAM_ID = "T0CONVENE"
DEFAULT_API_APP_ID = "A0CONVENE"
DEFAULT_BOT_USER_ID = "UBOT"
TEAM_DOMAIN = "convene-test"
# Slack still sends the (deprecated) verification token in every payload.
VERIFICATION_TOKEN = "fake-verification-token"
# Used when no FakeSlack is attached: unroutable here (no internet), so a bot
# that calls respond() fails loudly instead of silently succeeding.
UNATTACHED_RESPONSE_URL = "https://hooks.slack.com/commands/T0CONVENE/0000/fake-response-url"


def slack_signature(signing_secret: str, timestamp: str | int, body: bytes | str) -> str:
    """``v0=`` + hex HMAC-SHA256 of ``v0:{timestamp}:{body}``, as ``SignatureVerifier`` checks it."""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


@dataclass
class Response:
    """What the bot answered: HTTP ``status``, ``headers`` (lower-case keys), ``text``, ``elapsed`` seconds."""

    status: int
    headers: dict[str, str]
    text: str
    elapsed: float

    def json(self) -> Any:
        """The body decoded as JSON (raises ``ValueError`` if it is not JSON)."""
        return json.loads(self.text)


class SlackSender:
    """Posts signed Slack requests to a bot's HTTP endpoint."""

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        *,
        team_id: str = DEFAULT_TEAM_ID,
        clock: Callable[[], float] = time.time,
        api_app_id: str = DEFAULT_API_APP_ID,
        bot_user_id: str = DEFAULT_BOT_USER_ID,
        fake: FakeSlack | None = None,
        path: str = "/slack/events",
        timeout: float = 10.0,
    ) -> None:
        """``base_url`` is the bot's HTTP root (``http://127.0.0.1:PORT``); requests go to ``base_url + path``.

        ``clock`` provides the ``X-Slack-Request-Timestamp`` (and event times);
        ``fake`` makes response URLs point at that FakeSlack.
        """
        self.url = base_url.rstrip("/") + path
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.clock = clock
        self.api_app_id = api_app_id
        self.bot_user_id = bot_user_id
        self.fake = fake
        self.timeout = timeout
        self._counter = itertools.count(1)

    # ---- slash commands --------------------------------------------------------------

    def command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str,
        channel_id: str = "C1",
        channel_name: str | None = None,
        user_name: str | None = None,
        trigger_id: str | None = None,
        response_url: str | None = None,
    ) -> Response:
        """Send a slash command (form-encoded, as Slack does)."""
        if not command.startswith("/"):
            raise ValueError(f"slash commands start with '/': {command!r}")
        form = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": channel_name or _default_channel_name(channel_id),
            "user_id": user_id,
            "user_name": user_name or user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url or self._response_url("command", channel=channel_id, user=user_id),
            "trigger_id": trigger_id or self.new_trigger_id(),
        }
        return self._send_command(form)

    # ---- interactivity -----------------------------------------------------------------

    def block_action(
        self,
        action: Mapping[str, Any],
        *,
        user_id: str,
        channel_id: str | None = None,
        message: Mapping[str, Any] | None = None,
        view: Mapping[str, Any] | None = None,
        container: Mapping[str, Any] | None = None,
        response_url: str | None = None,
        trigger_id: str | None = None,
        state: Mapping[str, Any] | None = None,
    ) -> Response:
        """Send a ``block_actions`` payload for one clicked/changed element.

        ``action`` needs at least ``action_id``; ``type``, ``block_id``, ``text``
        and ``value`` are filled in from the element with that ``action_id`` in
        ``message`` or ``view`` blocks when missing, and ``action_ts`` is added.
        Pass ``message`` (e.g. ``fake.message(channel, ts)``) for a click in a
        message, or ``view`` (e.g. ``fake.views[view_id]``) for one in a modal or
        App Home.
        """
        blocks = (view or {}).get("blocks") or (message or {}).get("blocks") or []
        full_action = _complete_action(action, blocks, self._ts())
        if container is None:
            if view is not None:
                container = {"type": "view", "view_id": view.get("id")}
            elif message is not None:
                container = {"type": "message", "message_ts": message.get("ts"),
                             "channel_id": channel_id, "is_ephemeral": False}
            else:
                container = {"type": "message", "message_ts": self._ts(), "channel_id": channel_id,
                             "is_ephemeral": True}
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": VERIFICATION_TOKEN,
            "container": dict(container),
            "trigger_id": trigger_id or self.new_trigger_id(),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if channel_id:
            payload["channel"] = {"id": channel_id, "name": _default_channel_name(channel_id)}
        if message is not None:
            payload["message"] = _message_payload(message)
        if view is not None:
            payload["view"] = _view_payload(view, self.team_id, self.api_app_id, self._hash())
            payload["state"] = {"values": dict(state or (view.get("state") or {}).get("values") or {})}
            # Slack sends a modal's current input values in `view.state` too; listeners read either.
            payload["view"]["state"] = {"values": dict(payload["state"]["values"])}
        else:
            payload["state"] = {"values": dict(state or {})}
        if view is None:
            # Message interactions carry a response_url; modal and App Home ones do not.
            payload["response_url"] = response_url or self._response_url(
                "action", channel=channel_id, message_ts=(message or {}).get("ts"), user=user_id
            )
        payload["actions"] = [full_action]
        return self._post_payload(payload)

    def view_submission(
        self,
        view: Mapping[str, Any],
        values: Mapping[str, Any],
        *,
        user_id: str,
        view_id: str | None = None,
        trigger_id: str | None = None,
        response_urls: list[dict[str, Any]] | None = None,
    ) -> Response:
        """Send a ``view_submission`` for ``view`` with ``state.values`` = ``values``.

        ``values`` is Slack's shape, ``{block_id: {action_id: {"type": ..., "value": ...}}}``;
        :func:`view_state` builds it from simple answers.  ``view`` can be what the
        bot opened (``fake.views[view_id]``) or a bare view dict.
        """
        full_view = _view_payload(view, self.team_id, self.api_app_id, self._hash(), view_id=view_id)
        full_view["state"] = {"values": dict(values)}
        payload = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": trigger_id or self.new_trigger_id(),
            "view": full_view,
            "response_urls": list(response_urls or []),
            "enterprise": None,
            "is_enterprise_install": False,
        }
        return self._post_payload(payload)

    def view_closed(
        self, view: Mapping[str, Any], *, user_id: str, view_id: str | None = None, is_cleared: bool = False
    ) -> Response:
        """Send a ``view_closed`` payload (only sent by Slack for views with ``notify_on_close``)."""
        payload = {
            "type": "view_closed",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": VERIFICATION_TOKEN,
            "view": _view_payload(view, self.team_id, self.api_app_id, self._hash(), view_id=view_id),
            "is_cleared": is_cleared,
            "enterprise": None,
            "is_enterprise_install": False,
        }
        return self._post_payload(payload)

    def shortcut(self, callback_id: str, *, user_id: str, trigger_id: str | None = None) -> Response:
        """Send a global shortcut (payload type ``shortcut``)."""
        payload = {
            "type": "shortcut",
            "token": VERIFICATION_TOKEN,
            "action_ts": self._ts(),
            "team": self._team(),
            "user": self._user(user_id),
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": trigger_id or self.new_trigger_id(),
        }
        return self._post_payload(payload)

    def message_shortcut(
        self,
        callback_id: str,
        message: Mapping[str, Any],
        *,
        user_id: str,
        channel_id: str,
        response_url: str | None = None,
        trigger_id: str | None = None,
    ) -> Response:
        """Send a message shortcut (payload type ``message_action``) on ``message``."""
        payload = {
            "type": "message_action",
            "token": VERIFICATION_TOKEN,
            "action_ts": self._ts(),
            "team": self._team(),
            "user": self._user(user_id),
            "channel": {"id": channel_id, "name": _default_channel_name(channel_id)},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": trigger_id or self.new_trigger_id(),
            "message_ts": message.get("ts"),
            "message": _message_payload(message),
            "response_url": response_url or self._response_url(
                "shortcut", channel=channel_id, message_ts=message.get("ts"), user=user_id
            ),
        }
        return self._post_payload(payload)

    def block_suggestion(
        self,
        action_id: str,
        value: str,
        *,
        user_id: str,
        block_id: str | None = None,
        view: Mapping[str, Any] | None = None,
        channel_id: str | None = None,
        message: Mapping[str, Any] | None = None,
    ) -> Response:
        """Send an options request (``block_suggestion``) for an external select; the bot answers with options JSON."""
        blocks = (view or {}).get("blocks") or (message or {}).get("blocks") or []
        block_id = block_id or _find_element(blocks, action_id)[0] or "block"
        payload: dict[str, Any] = {
            "type": "block_suggestion",
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": VERIFICATION_TOKEN,
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id")}
            payload["view"] = _view_payload(view, self.team_id, self.api_app_id, self._hash())
        else:
            payload["container"] = {"type": "message", "message_ts": (message or {}).get("ts"),
                                    "channel_id": channel_id, "is_ephemeral": False}
            if channel_id:
                payload["channel"] = {"id": channel_id, "name": _default_channel_name(channel_id)}
            if message is not None:
                payload["message"] = _message_payload(message)
        return self._post_payload(payload)

    # ---- Events API ---------------------------------------------------------------------

    def event(
        self,
        event: Mapping[str, Any],
        *,
        event_id: str | None = None,
        event_time: int | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> Response:
        """Send ``event`` inside Slack's ``event_callback`` envelope (JSON).

        ``event_ts`` is added to the event when missing.  ``retry_num`` adds the
        ``X-Slack-Retry-Num``/``X-Slack-Retry-Reason`` headers Slack sends on redelivery
        (reuse the same ``event_id`` to model a true retry).
        """
        now = self._ts()
        inner = dict(event)
        inner.setdefault("event_ts", now)
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": inner,
            "type": "event_callback",
            "event_id": event_id or self.new_event_id(),
            "event_time": event_time if event_time is not None else int(self.clock()),
            "authorizations": [{
                "enterprise_id": None,
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }],
            "is_ext_shared_channel": False,
            "event_context": self._event_context(inner),
        }
        return self._send_event(envelope, retry_num=retry_num, retry_reason=retry_reason)

    def message_event(
        self, text: str, *, user_id: str, channel_id: str = "C1", ts: str | None = None,
        thread_ts: str | None = None, channel_type: str | None = None, **envelope: Any,
    ) -> Response:
        """Convenience: a ``message`` event from a user."""
        event = {
            "type": "message", "user": user_id, "text": text, "ts": ts or self._ts(), "team": self.team_id,
            "channel": channel_id, "channel_type": channel_type or _channel_type(channel_id),
            "client_msg_id": self._uuid(),
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event, **envelope)

    def app_mention(self, text: str, *, user_id: str, channel_id: str = "C1", ts: str | None = None,
                    thread_ts: str | None = None, **envelope: Any) -> Response:
        """Convenience: an ``app_mention`` event (``text`` should contain ``<@BOT>``)."""
        event = {"type": "app_mention", "user": user_id, "text": text, "ts": ts or self._ts(),
                 "team": self.team_id, "channel": channel_id, "client_msg_id": self._uuid()}
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event, **envelope)

    def app_home_opened(self, *, user_id: str, tab: str = "home", view: Mapping[str, Any] | None = None,
                        **envelope: Any) -> Response:
        """Convenience: an ``app_home_opened`` event (pass ``view`` once a Home view was published)."""
        event: dict[str, Any] = {"type": "app_home_opened", "user": user_id,
                                 "channel": "D" + user_id[1:], "tab": tab}
        if view is not None:
            event["view"] = dict(view)
        return self.event(event, **envelope)

    def url_verification(self, challenge: str) -> Response:
        """Send the ``url_verification`` handshake; the bot must echo ``challenge``."""
        body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
        return self._post(json.dumps(body).encode(), "application/json")

    # ---- raw ------------------------------------------------------------------------------

    def raw(
        self,
        body: bytes | str,
        content_type: str,
        *,
        timestamp: str | int | None = None,
        signature: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Post ``body`` as-is.  Signed correctly unless ``signature`` is given; ``timestamp``
        defaults to now (pass an old one to test replay protection)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        return self._post(data, content_type, timestamp=timestamp, signature=signature, extra_headers=headers)

    # ---- ids ---------------------------------------------------------------------------------

    def new_trigger_id(self) -> str:
        """A fresh trigger id shaped like Slack's (``<n>.<n>.<hex>``)."""
        n = next(self._counter)
        return f"{n}.{int(self.clock())}.{hashlib.sha1(f'trigger{n}'.encode()).hexdigest()[:24]}"

    def new_event_id(self) -> str:
        """A fresh, unique Events API ``event_id``."""
        return f"Ev{next(self._counter):010d}"

    # ---- internals ---------------------------------------------------------------------------

    # How each kind of request travels; `tests.harness.socket_mode.SocketModeSender` sends the
    # same payloads as Socket Mode envelopes instead.

    def _send_command(self, form: dict[str, str]) -> Response:
        return self._post(urlencode(form).encode(), "application/x-www-form-urlencoded")

    def _send_event(self, envelope: dict[str, Any], *, retry_num: int | None, retry_reason: str) -> Response:
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self._post(json.dumps(envelope).encode(), "application/json", extra_headers=headers)

    def _post_payload(self, payload: Mapping[str, Any]) -> Response:
        # Interactivity payloads arrive as a form with a single JSON `payload` field.
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._post(body, "application/x-www-form-urlencoded")

    def _post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: str | int | None = None,
        signature: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Response:
        ts = str(timestamp if timestamp is not None else int(self.clock()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature if signature is not None else slack_signature(self.signing_secret, ts, body),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **(extra_headers or {}),
        }
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                status, resp_headers, raw = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as err:  # 4xx/5xx still carry a response
            status, resp_headers, raw = err.code, err.headers, err.read()
        elapsed = time.monotonic() - started
        return Response(
            status=status,
            headers={k.lower(): v for k, v in resp_headers.items()},
            text=raw.decode("utf-8", "replace"),
            elapsed=elapsed,
        )

    def _response_url(self, kind: str, **context: Any) -> str:
        if self.fake is None:
            return UNATTACHED_RESPONSE_URL
        return self.fake.response_url(f"{kind}-{next(self._counter)}", **context)

    def _user(self, user_id: str) -> dict[str, Any]:
        name = user_id.lower()
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def _team(self) -> dict[str, Any]:
        return {"id": self.team_id, "domain": TEAM_DOMAIN}

    def _ts(self) -> str:
        return f"{self.clock():.6f}"

    def _hash(self) -> str:
        return f"{int(self.clock())}.{hashlib.sha1(str(next(self._counter)).encode()).hexdigest()[:8]}"

    def _uuid(self) -> str:
        digest = hashlib.sha1(f"msg{next(self._counter)}".encode()).hexdigest()
        return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"

    def _event_context(self, event: Mapping[str, Any]) -> str:
        context = {"et": event.get("type"), "tid": self.team_id, "aid": self.api_app_id,
                   "cid": event.get("channel") if isinstance(event.get("channel"), str) else None}
        return "4-" + base64.urlsafe_b64encode(json.dumps(context).encode()).decode().rstrip("=")


# ---- payload helpers ---------------------------------------------------------------------------

# The state key Slack uses for each input element's value.
_STATE_KEYS = {
    "plain_text_input": "value", "email_text_input": "value", "url_text_input": "value",
    "number_input": "value", "rich_text_input": "rich_text_value",
    "datepicker": "selected_date", "timepicker": "selected_time", "datetimepicker": "selected_date_time",
    "static_select": "selected_option", "external_select": "selected_option", "radio_buttons": "selected_option",
    "multi_static_select": "selected_options", "multi_external_select": "selected_options",
    "checkboxes": "selected_options",
    "users_select": "selected_user", "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation", "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel", "multi_channels_select": "selected_channels",
}

# Where an element keeps its initial value, by the state key it reports.
_INITIAL_KEYS = {
    "value": "initial_value", "rich_text_value": "initial_value", "selected_date": "initial_date",
    "selected_time": "initial_time", "selected_date_time": "initial_date_time",
    "selected_option": "initial_option", "selected_options": "initial_options",
    "selected_user": "initial_user", "selected_users": "initial_users",
    "selected_conversation": "initial_conversation", "selected_conversations": "initial_conversations",
    "selected_channel": "initial_channel", "selected_channels": "initial_channels",
}


def view_state(view: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Build ``state.values`` for a view submission from ``{action_id: answer}``.

    Finds each ``action_id``'s element in the view's input blocks and stores the
    answer under the key Slack uses for that element type: a string for text
    inputs (``value``), dates (``selected_date``), times; an option *value* (or
    list of values) for selects, radios and checkboxes, expanded to the full
    option object from the view; user/channel IDs for user/conversation
    selects.  Every other input element keeps its initial value (``initial_value``,
    ``initial_option``…) or, without one, gets an empty state, as Slack sends.
    """
    values: dict[str, dict[str, Any]] = {}
    remaining = dict(answers)
    for i, block in enumerate(view.get("blocks") or []):
        # Slack reports state for every stateful element: inputs, actions, accessories.
        if block.get("type") == "input" and block.get("element"):
            elements = [block["element"]]
        elif block.get("type") == "actions":
            elements = list(block.get("elements") or [])
        elif block.get("type") == "section" and block.get("accessory"):
            elements = [block["accessory"]]
        else:
            elements = []
        for el in elements:
            action_id, etype = el.get("action_id"), el.get("type")
            if not action_id or etype not in _STATE_KEYS:
                continue
            state: dict[str, Any] = {"type": etype}
            if action_id in remaining:
                state[_STATE_KEYS[etype]] = _state_value(el, remaining.pop(action_id))
            elif _INITIAL_KEYS[_STATE_KEYS[etype]] in el:
                # Slack reports an untouched element's initial value as its value.
                state[_STATE_KEYS[etype]] = el[_INITIAL_KEYS[_STATE_KEYS[etype]]]
            elif _STATE_KEYS[etype] in ("value", "selected_date", "selected_time", "selected_option",
                                        "selected_user", "selected_conversation", "selected_channel"):
                state[_STATE_KEYS[etype]] = None
            elif _STATE_KEYS[etype] != "rich_text_value":
                state[_STATE_KEYS[etype]] = []
            values.setdefault(block.get("block_id") or f"block{i}", {})[action_id] = state
    if remaining:
        raise KeyError(f"no input element with action_id(s) {sorted(remaining)} in the view")
    return values


def _state_value(element: Mapping[str, Any], answer: Any) -> Any:
    etype = element.get("type")
    key = _STATE_KEYS[etype]
    if key in ("selected_option", "selected_options") and etype not in ("external_select", "multi_external_select"):
        options = list(element.get("options") or [])
        for group in element.get("option_groups") or []:
            options.extend(group.get("options") or [])
        by_value = {o.get("value"): o for o in options}

        def lookup(v: Any) -> Any:
            if isinstance(v, Mapping):
                return dict(v)
            if v not in by_value:
                raise KeyError(f"{element.get('action_id')}: no option with value {v!r}")
            return dict(by_value[v])

        if key == "selected_options":
            return [lookup(v) for v in answer]
        return lookup(answer)
    if key in ("selected_option", "selected_options"):  # external selects: build the option
        def make(v: Any) -> Any:
            return dict(v) if isinstance(v, Mapping) else {"text": {"type": "plain_text", "text": str(v)}, "value": str(v)}
        return [make(v) for v in answer] if key == "selected_options" else make(answer)
    return answer


def _find_element(blocks: list[Mapping[str, Any]], action_id: str) -> tuple[str | None, Mapping[str, Any] | None]:
    """Find (block_id, element) for ``action_id`` among a surface's blocks."""
    for block in blocks:
        candidates = list(block.get("elements") or [])
        for key in ("accessory", "element"):
            if block.get(key):
                candidates.append(block[key])
        for element in candidates:
            if isinstance(element, Mapping) and element.get("action_id") == action_id:
                return block.get("block_id"), element
    return None, None


def _complete_action(action: Mapping[str, Any], blocks: list[Mapping[str, Any]], action_ts: str) -> dict[str, Any]:
    if "action_id" not in action:
        raise ValueError("an action needs an action_id")
    block_id, element = _find_element(blocks, action["action_id"])
    full: dict[str, Any] = {}
    if element is not None:
        full["type"] = element.get("type")
        for key in ("text", "value", "style"):
            if key in element:
                full[key] = element[key]
    if block_id:
        full["block_id"] = block_id
    full.update(action)
    full.setdefault("type", "button")
    full.setdefault("block_id", "block")
    full.setdefault("action_ts", action_ts)
    return full


def _message_payload(message: Mapping[str, Any]) -> dict[str, Any]:
    # FakeSlack messages carry inspection-only keys with empty values; Slack omits empties.
    return {k: v for k, v in message.items() if k != "channel" and v not in (None, [], {})}


def _view_payload(view: Mapping[str, Any], team_id: str, app_id: str, view_hash: str,
                  view_id: str | None = None) -> dict[str, Any]:
    """A view as Slack includes it in payloads: every server-side field present."""
    vid = view_id or view.get("id") or "V0000000000"
    full = {
        "id": vid,
        "team_id": team_id,
        "type": view.get("type", "modal"),
        "blocks": list(view.get("blocks") or []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": dict(view.get("state") or {"values": {}}),
        "hash": view.get("hash") or view_hash,
        "clear_on_close": view.get("clear_on_close", False),
        "notify_on_close": view.get("notify_on_close", False),
        "previous_view_id": view.get("previous_view_id"),
        "root_view_id": view.get("root_view_id") or vid,
        "app_id": view.get("app_id", app_id),
        "external_id": view.get("external_id", ""),
        "app_installed_team_id": team_id,
        "bot_id": view.get("bot_id", "B0CONVENE"),
    }
    for key in ("title", "submit", "close"):
        if view.get(key) is not None:
            full[key] = view[key]
    return full


def _default_channel_name(channel_id: str | None) -> str:
    if not channel_id:
        return ""
    if channel_id.startswith("D"):
        return "directmessage"
    if channel_id.startswith("G"):
        return "privategroup"
    return "general"


def _channel_type(channel_id: str) -> str:
    return {"D": "im", "G": "group"}.get(channel_id[:1], "channel")
