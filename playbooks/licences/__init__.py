"""
Licences: the seat ledger, who uses what, and the monthly report arithmetic (pure, no I/O).

``contracts`` parses the ledger, ``usage`` puts each assignment in a bucket, ``report`` adds
it up per vendor and SKU and splits the invoice by cost centre.
"""
