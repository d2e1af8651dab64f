"""The analytic engine: the snapshot, indicators, disclosure control and the access layer, the one
door figures are read through.
"""
