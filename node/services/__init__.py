"""Services: the node's behaviour, called by views, CLI and inbound handlers alike.

No aiohttp imports here: a service takes a Store (and plain values), returns
plain values, and raises `node.errors` exceptions.
"""
