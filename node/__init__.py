"""Coffee node: the server one coworking space runs to join the network."""

__version__ = "0.1.0"
