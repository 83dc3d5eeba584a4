import pulumi
import pulumi_openpanel as openpanel

web = openpanel.Project(
    "web",
    name="Web",
    domain="https://example.com",
    cors=["https://example.com"],
    types=["website"],
)
dashboards = openpanel.Client("dashboards", name="Dashboards", project_id=web.id, type="read")
launch = openpanel.Reference(
    "launch",
    project_id=web.id,
    title="v2 launch",
    description="New pricing page",
    datetime="2026-12-01T10:00:00Z",
)

pulumi.export("project_id", web.id)
pulumi.export("write_client_id", web.client_id)
pulumi.export("write_client_secret", web.client_secret)  # a Pulumi secret
pulumi.export("dashboards_secret", dashboards.secret)    # a Pulumi secret
