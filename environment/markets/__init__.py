"""Negotiation protocols: how deals between agents are matched and priced.

Agents decide what they want and what they would accept (their reservation prices); these
modules decide whether a deal happens and on what terms. Each is a small function or class
that can be tested without a model.
"""
