import sys

from scoring.batch import main

sys.exit(main())
