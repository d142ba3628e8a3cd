"""`wod-workshop`: the workshop author's tools (scaffold, validate, preview) over the catalog.

Not part of the Lambda artifact: it runs notebooks (nbclient) and the local stack.
"""
