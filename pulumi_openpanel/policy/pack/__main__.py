"""The analyzer process of the OpenPanel policy pack: every guardrail, advisory unless the pack's config
(``--policy-pack-config``) makes one mandatory or disables it."""

from pulumi_openpanel.policy import serve

serve()
