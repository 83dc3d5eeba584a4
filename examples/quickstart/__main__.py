"""Quickstart: an OpenPanel project, a read-only client for dashboards, and a launch on its timeline.

Credentials come from stack config (openpanel:apiUrl, openpanel:clientId, openpanel:clientSecret) or
from OPENPANEL_API_URL, OPENPANEL_CLIENT_ID and OPENPANEL_CLIENT_SECRET.
"""

import pulumi

import pulumi_openpanel as openpanel

config = pulumi.Config()
site = config.get("domain") or "https://example.com"

web = openpanel.Project(
    "web",
    name=config.get("projectName") or "Web",
    domain=site,
    cors=[site],
    cross_domain=False,
    types=["website"],
    allow_unsafe_revenue_tracking=False,
)
reader = openpanel.Client("reader", name="Dashboards", project_id=web.id, type="read")
launch = openpanel.Reference(
    "launch",
    project_id=web.id,
    title="v2 launch",
    description="New pricing page",
    datetime="2026-12-01T10:00:00Z",
)

pulumi.export("project_id", web.id)
pulumi.export("write_client_id", web.client_id)
pulumi.export("write_client_secret", web.client_secret)  # a secret: `pulumi stack output --show-secrets`
pulumi.export("reader_client_id", reader.id)
pulumi.export("reader_secret", reader.secret)
pulumi.export("launch_at", launch.datetime)
