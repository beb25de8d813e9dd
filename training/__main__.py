import sys

from training.step import main

sys.exit(main())
