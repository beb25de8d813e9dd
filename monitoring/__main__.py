import sys

from monitoring.step import main

sys.exit(main())
