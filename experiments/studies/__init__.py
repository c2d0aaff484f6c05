"""Studies: each a short script answering one question with a Monte Carlo experiment.

Run one with ``python -m experiments.studies.NAME``; copy one to ask your own question.
"""
