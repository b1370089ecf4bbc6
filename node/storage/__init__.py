"""Storage: plain dicts over sqlite-utils, one module per table family."""
