"""Statistics on a snapshot: difference-in-differences and event study, survival, actual against
expected, peers.
"""
