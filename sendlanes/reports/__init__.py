"""DMARC aggregate reports (RFC 7489 §7.2, RFC 9990) read per lane: ``sendlanes reports``.

``containers`` opens files, archives and mail messages with inflate caps; ``parse`` reads one
report with a streaming XML parser that refuses DTDs; ``attribute`` maps rows to lanes;
``health`` adds them up and finds what only the lanes' declared setup can show; ``walk``
finds the files, ``collect`` drives a whole run; ``html`` renders one self-contained page.
"""
