import sys

from lessons.worker.process import main

sys.exit(main())
