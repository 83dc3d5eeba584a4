"""The dynamic door: the resources as Pulumi dynamic resources, for Python programs. The providers
(provider.py) wrap the core; the user-facing classes' base (resource.py), ``Connection`` (connection.py),
Pulumi's unknown values (unknown.py), and what runs inside the SDK's plugin process: short error messages
(plugin_errors.py) and its end once the engine is gone (watchdog.py). The resource modules themselves
(``pulumi_openpanel.project``, ``.client``, ``.reference``) stay at the package root, where stacks' states
name their providers.
"""
