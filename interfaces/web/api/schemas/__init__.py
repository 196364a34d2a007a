"""Marshmallow schemas of the JSON API: what requests may contain and what
responses look like. The OpenAPI document is generated from these.

One module per part of the API; ``from interfaces.web.api import schemas as s``
reaches every schema.
"""

from interfaces.web.api.schemas.access import *  # noqa: F403
from interfaces.web.api.schemas.casework import *  # noqa: F403
from interfaces.web.api.schemas.common import *  # noqa: F403
from interfaces.web.api.schemas.coordination import *  # noqa: F403
