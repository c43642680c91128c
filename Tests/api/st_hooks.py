"""Loaded into schemathesis by test_schemathesis.py (SCHEMATHESIS_HOOKS=st_hooks).

The dashboard port slows down repeated wrong tokens from one address (the issue asks for it): past ten
a minute they are answered 429 `too_many_requests` with Retry-After instead of 401. schemathesis's
`ignored_auth` check sends a request without and one with a wrong token to every operation, so from
the sixth operation on it meets the slowdown, and counts only 401 and 403 as a refusal. A 429 to a
request without valid credentials is a refusal too: this adds it to the statuses that check accepts.
(test_contract.py checks the 401 of each route itself, before the slowdown.)"""

import schemathesis.specs.openapi.checks as checks

checks.AUTH_REJECTION_STATUSES = frozenset(checks.AUTH_REJECTION_STATUSES | {429})
