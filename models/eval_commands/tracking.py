"""The ``tracking`` evaluation lives in models/tracking/evaluate.py; importing it registers it."""

import models.tracking.evaluate  # noqa: F401
