"""Runnable studies, the command line and the sweep machinery."""
