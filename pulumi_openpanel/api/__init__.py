"""The client of OpenPanel's Manage API: :class:`ManageApi` (client.py) and its wire models (models.py),
its settings and where each comes from (settings.py, sources.py), the one factory that turns those sources
into a client (factory.py), pacing to the rate limit (pacing.py) with the send log other processes share
(sendlog.py), the detection that the Pulumi run it serves is over (run.py), and the opt-in request log
(request_log.py). It knows nothing of Pulumi's SDK; the resources' core and every door build on it.
"""

from pulumi_openpanel.api.client import ManageApi
from pulumi_openpanel.api.factory import manage_api
from pulumi_openpanel.api.settings import ApiSettings, Credentials, RetryPolicy

__all__ = ["ApiSettings", "Credentials", "ManageApi", "RetryPolicy", "manage_api"]
