"""Views: thin handlers that parse input, call a service and render HTML or JSON."""
