"""ActivityPub for Coffee: signatures, JSON-LD, discovery, inbox rules, delivery.

Pure protocol code working on (method, url, headers, body); it never imports
`node`, so any framework (and our tests) can call it directly.
"""
