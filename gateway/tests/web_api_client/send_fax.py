"""Sends a fax with the client openapi-python-client generated from the
gateway's served OpenAPI document (package ums_client on PYTHONPATH), then
reads it back through the same client. Arguments: BASE_URL TOKEN PDF.
Prints the message as JSON."""
import json
import sys

from ums_client import AuthenticatedClient
from ums_client.api.default import get_message, list_messages, send_fax
from ums_client.models import Message, MessageList, SendFaxBody
from ums_client.types import File

base, token, pdf = sys.argv[1:4]
client = AuthenticatedClient(base_url=base + "/api/v1", token=token)
with open(pdf, "rb") as f:
    body = SendFaxBody(
        to="0895551",
        subject="From the generated client",
        file=[File(payload=f, file_name="offer.pdf", mime_type="application/pdf")],
    )
    r = send_fax.sync_detailed(client=client, body=body)
assert r.status_code == 201, (r.status_code, r.content)
sent = r.parsed.messages[0]
assert sent.pages == 2, sent

m = get_message.sync(sent.id, client=client)
assert isinstance(m, Message), m
assert m.number == "+49895551" and m.subject == "From the generated client", m

page = list_messages.sync(client=client, service="fax", q="generated client")
assert isinstance(page, MessageList), page
assert [x.id for x in page.messages] == [sent.id], page

print(json.dumps(m.to_dict()))
