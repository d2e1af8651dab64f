"""The `trialwatch` command line."""
