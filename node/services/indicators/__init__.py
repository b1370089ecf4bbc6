"""Indicators counted by every node, published, added up across the network without a centre.

- `registry`: which indicators exist, what each means, where its number comes from; features plug
  their counting function in with `provide(key, fn)`;
- `counting`: the built-in sources (members, events, participants, the support log);
- `support_log`: the private accompaniment log (admins only, never federated);
- `report`: a node's figures for a period, the small-count rule, the published JSON-LD document;
- `network`: reading other spaces' documents safely and adding them up;
- `exports`: CSV and XLSX; `charts`: server-rendered SVG.
"""
