"""
Access reviews (certification campaigns), the pure core: campaign definitions, the items a
population yields and who reviews each, decisions and the no-response policy, the reminder
schedule, and the evidence export. No I/O: the shell (``worker.runs.reviews``) reads the
directory, stores the rows, talks to the desk and writes the audit log.
"""
