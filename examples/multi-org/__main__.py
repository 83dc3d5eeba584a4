"""Two organizations in one program: an agency's own analytics and a customer's.

The first organization uses the default credentials (stack config openpanel:* or OPENPANEL_* variables).
The second gets an explicit Connection from this project's config:

    pulumi config set customerClientId <uuid>
    pulumi config set --secret customerClientSecret <secret>
    pulumi config set customerApiUrl https://analytics.customer.example/api   # optional
"""

import pulumi

import pulumi_openpanel as openpanel

config = pulumi.Config()
customer = openpanel.Connection(
    api_url=config.get("customerApiUrl"),
    client_id=config.require("customerClientId"),
    client_secret=config.require_secret("customerClientSecret"),
)

# cors lists the sites whose browsers may send events: OpenPanel rejects a browser's events from any other origin.
agency_site = openpanel.Project(
    "agency-site",
    name="Agency site",
    domain="https://agency.example",
    cors=["https://agency.example"],
    types=["website"],
)
customer_shop = openpanel.Project(
    "customer-shop",
    name="Customer shop",
    domain="https://shop.customer.example",
    cors=["https://shop.customer.example"],
    types=["website", "backend"],
    connection=customer,
)
customer_reporting = openpanel.Client(
    "customer-reporting",
    name="Agency reporting",
    project_id=customer_shop.id,
    type="read",
    connection=customer,
)

pulumi.export("agency_project", agency_site.id)
pulumi.export("agency_organization", agency_site.organization_id)
pulumi.export("customer_project", customer_shop.id)
pulumi.export("customer_organization", customer_shop.organization_id)
pulumi.export("customer_reporting_secret", customer_reporting.secret)
