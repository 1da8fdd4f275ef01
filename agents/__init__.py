"""wirewatch's runtime: the Faust app, settings, agents and the ``wirewatch`` command."""
