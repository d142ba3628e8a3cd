"""`wod-admin`: the organizer's console on the command line (not shipped to Lambda)."""
