"""The ``vasr`` command line."""
