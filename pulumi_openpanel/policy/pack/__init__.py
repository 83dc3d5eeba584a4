"""This directory is the ready-to-run OpenPanel policy pack: ``pulumi preview --policy-pack DIR``.

``pulumi-openpanel policy-pack`` prints its path. Pulumi reads ``PulumiPolicy.yaml`` here and runs
``__main__.py`` with the Python that its language host picks for a pack without a virtualenv (``python3``
on PATH, or ``$PULUMI_PYTHON_CMD``); that Python must have pulumi-openpanel with its ``policy`` extra.
It is a package only so that these files install with the rest of pulumi_openpanel.
"""
