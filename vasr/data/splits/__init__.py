"""Official dataset split lists, shipped as package data and read with importlib.resources."""
