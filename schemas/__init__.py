"""Bundled JSON-LD contexts and JSON Schemas, shipped as package data."""

from pathlib import Path

SCHEMAS_DIR = Path(__file__).parent
