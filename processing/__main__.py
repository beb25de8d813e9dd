import sys

from processing.step import main

sys.exit(main())
