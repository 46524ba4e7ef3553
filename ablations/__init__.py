"""The paper's ablations as scripts (``python ablations/<name>.py``), sharing one protocol (`protocol`)."""
