"""API: a group's outgoing webhooks and their delivery log (organizers only)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from meetbot.models import Webhook
from meetbot.services import group_reads
from meetbot.services import groups as group_service
from meetbot.services import webhooks as webhook_service
from meetbot.services.permissions import Permission
from meetbot.web.api.common import (
    guard,
    location,
    make_blueprint,
    read_docs,
    require_person,
    write_docs,
)
from meetbot.web.api.fields import UTCDateTime
from meetbot.web.api.pages import PageArgs, page_schema, paginate
from meetbot.web.api.schemas import ID, SLUG, Strict, text

blp = make_blueprint("api_webhooks", "Outgoing webhooks of a group and their delivery log.")

_EVENT_CHOICES = [*webhook_service.EVENTS, "*"]


class WebhookSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    url = ma.fields.String(required=True)
    events = ma.fields.Function(webhook_service.event_list, required=True)
    active = ma.fields.Boolean(required=True)
    created_at = UTCDateTime(attribute="created_dt", required=True)


class WebhookWithSecretSchema(WebhookSchema):
    secret = ma.fields.String(
        required=True,
        metadata={"description": "The HMAC key; shown only when created or rotated."},
    )


class WebhookUpdatedSchema(WebhookSchema):
    secret = ma.fields.Function(
        lambda h: getattr(h, "new_secret", None) or ma.missing,
        metadata={"type": "string", "description": "The new secret, only when rotated."},
    )


class WebhookCreateSchema(Strict):
    url = text(500, required=True)
    events = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(_EVENT_CHOICES)),
        load_default=lambda: ["*"],
        validate=ma.validate.Length(min=1, max=len(_EVENT_CHOICES)),
    )
    secret = text(128, validate=ma.validate.Length(min=16, max=128))
    active = ma.fields.Boolean(load_default=True)


class WebhookUpdateSchema(Strict):
    url = text(500)
    events = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(_EVENT_CHOICES)),
        validate=ma.validate.Length(min=1, max=len(_EVENT_CHOICES)),
    )
    active = ma.fields.Boolean()
    rotate_secret = ma.fields.Boolean(load_default=False)


class DeliverySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    event = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"enum": ["pending", "delivered", "failed"]})
    attempts = ma.fields.Integer(required=True)
    next_attempt_at = UTCDateTime(attribute="next_attempt_dt", allow_none=True)
    last_error = ma.fields.String(required=True)
    response_code = ma.fields.Integer(allow_none=True)
    created_at = UTCDateTime(attribute="created_dt", required=True)
    delivered_at = UTCDateTime(attribute="delivered_dt", allow_none=True)
    payload = ma.fields.Function(
        webhook_service.parse_payload, required=True, metadata={"description": "The JSON sent."}
    )


def _hook(group: str, webhook_id: int) -> Webhook:
    return webhook_service.get_webhook(group_service.get_group(group), webhook_id)


@blp.route(f"/groups/<{SLUG}:group>/webhooks")
@guard(Permission.EDIT_GROUP)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(WebhookSchema, "WebhookPage"))
@read_docs(blp, token_required=True)
def list_webhooks(args: dict[str, int], group: str) -> dict[str, Any]:
    """A group's webhooks (organizers)."""
    row = group_service.get_group(group)
    return paginate(group_reads.webhooks_query(row), args)


@blp.route(f"/groups/<{SLUG}:group>/webhooks", methods=["POST"])
@guard(Permission.EDIT_GROUP)
@blp.arguments(WebhookCreateSchema)
@blp.response(201, WebhookWithSecretSchema)
@write_docs(blp)
def create_webhook(data: dict[str, Any], group: str):
    """Subscribe a URL to events of the group. The secret (given, or generated) signs
    each body: ``X-Meetbot-Signature: sha256=<hex HMAC-SHA256(secret, body)>``."""
    row = group_service.get_group(group)
    hook, _secret = webhook_service.subscribe(require_person(), row, **data)
    return hook, 201, location("api_webhooks.get_webhook", group=row.slug, webhook_id=hook.id)


@blp.route(f"/groups/<{SLUG}:group>/webhooks/<{ID}:webhook_id>")
@guard(Permission.EDIT_GROUP)
@blp.response(200, WebhookSchema)
@read_docs(blp, token_required=True)
def get_webhook(group: str, webhook_id: int) -> Webhook:
    """One webhook (without its secret)."""
    return _hook(group, webhook_id)


@blp.route(f"/groups/<{SLUG}:group>/webhooks/<{ID}:webhook_id>", methods=["PATCH"])
@guard(Permission.EDIT_GROUP)
@blp.arguments(WebhookUpdateSchema)
@blp.response(200, WebhookUpdatedSchema)
@write_docs(blp)
def update_webhook(data: dict[str, Any], group: str, webhook_id: int) -> Webhook:
    """Change the URL, events or active flag; ``rotate_secret`` returns a new secret."""
    hook = _hook(group, webhook_id)
    # A transient attribute: the schema shows the secret only right after a rotation.
    hook.new_secret = webhook_service.update_webhook(require_person(), hook, **data)
    return hook


@blp.route(f"/groups/<{SLUG}:group>/webhooks/<{ID}:webhook_id>", methods=["DELETE"])
@guard(Permission.EDIT_GROUP)
@blp.response(204)
@write_docs(blp)
def delete_webhook(group: str, webhook_id: int) -> None:
    """Remove a webhook and its log. Idempotent: deleting one that is gone is a 204."""
    row = group_service.get_group(group)
    hook = group_reads.find_webhook(row, webhook_id)
    if hook is not None:
        webhook_service.delete_webhook(require_person(), hook)


@blp.route(f"/groups/<{SLUG}:group>/webhooks/<{ID}:webhook_id>/deliveries")
@guard(Permission.EDIT_GROUP)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(DeliverySchema, "DeliveryPage"))
@read_docs(blp, token_required=True)
def list_deliveries(args: dict[str, int], group: str, webhook_id: int) -> dict[str, Any]:
    """The delivery log, newest first: status, attempts, next attempt, last error."""
    return paginate(webhook_service.deliveries_query(_hook(group, webhook_id)), args)


@blp.route(f"/groups/<{SLUG}:group>/webhooks/<{ID}:webhook_id>/ping", methods=["POST"])
@guard(Permission.EDIT_GROUP)
@blp.response(202, DeliverySchema)
@write_docs(blp)
def ping_webhook(group: str, webhook_id: int) -> Any:
    """Queue a ``ping`` event to this webhook (the worker sends it)."""
    return webhook_service.ping(require_person(), _hook(group, webhook_id)), 202
