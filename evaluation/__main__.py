import sys

from evaluation.step import main

sys.exit(main())
