"""What the Object Lock and attributes scripts share: the client of s3client.py, and the outcome
of a request that may be refused as its code and status, without the message."""

from functools import partial

import s3client

s3 = s3client.s3
outcome = partial(s3client.outcome, with_message=False)
