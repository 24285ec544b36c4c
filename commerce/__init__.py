"""Commerce: staff accounts of the console now; companies, buyers, prices and orders later.

Imports only ``catalog``; the API wires it to requests.
"""
