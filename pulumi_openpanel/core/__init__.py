"""The resources' logic, whichever door Pulumi drives it through: each field declared once (schema.py), the
normalisation that matches the server (normalize.py, slug.py), creates without duplicates (reconcile.py),
and check, diff, create, read, update and delete over plain dicts and a ``ManageApi`` (resource.py, with a
module per resource). Nothing here imports Pulumi's SDK.
"""
