"""The provider plugin: the resources' core served to programs in every Pulumi language (TypeScript, Go, YAML,
Python...) as the ``openpanel`` package, through Pulumi's provider interface.

- :mod:`~pulumi_openpanel.plugin.package`: the package as data (tokens, settings, lookups), from which the
  schema is generated;
- :mod:`~pulumi_openpanel.plugin.values`: property values to the core's plain values and back;
- :mod:`~pulumi_openpanel.plugin.provider`: the door itself;
- :mod:`~pulumi_openpanel.plugin.server`: the process the engine starts (``provider/__main__.py`` calls it).
"""
