"""``python -m lambdas.api`` runs the API under uvicorn, like ``satisfaction serve``."""

import sys

from lambdas.api.serve import main

sys.exit(main())
